"""Cases in the database: the case rows, the events that joined them, customers' answers
with their evidence, and legal referrals.

Listings page by keyset, never by offset: newest first continues below the last id shown;
most urgent first continues after the last case's (deadline, id). Each filter has an index
led by its column and ending in the id (``tables/cases.py``), so a page reads about a page
of index entries at any number of cases. Repeat-offence counts come from counters kept in
step by ``add`` and ``save`` (``cases_counts``).
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from abusedesk.adapters.db.repositories import cases_counts, in_chunks
from abusedesk.adapters.db.tables.base import UTCDateTime
from abusedesk.adapters.db.tables.cases import (
    CaseEventRow,
    CaseEvidenceRow,
    CaseResponseRow,
    CaseRow,
    LegalReferralRow,
)
from abusedesk.domain.cases import CaseKey, CaseState, case_reference
from abusedesk.domain.cases_model import (
    Case,
    CaseEvent,
    CaseResponse,
    EvidenceFile,
    LegalReferral,
    ResponseKind,
)
from abusedesk.domain.cases_ports import CaseFilter, CaseOrder
from abusedesk.domain.deadlines import CaseClock
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.policy import Action, Severity


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _delta(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def to_case(row: CaseRow) -> Case:
    return Case(
        id=row.id, reference=row.reference or f"#{row.id}", state=CaseState(row.state),
        customer_id=row.customer_id, notify_customer_id=row.notify_customer_id,
        clause_id=row.clause_id, clause_title=row.clause_title, offender=row.offender,
        policy_version_id=row.policy_version_id, severity=Severity(row.severity),
        restricted=row.restricted, opened_at=row.opened_at, updated_at=row.updated_at,
        first_event_at=row.first_event_at, last_event_at=row.last_event_at,
        event_count=row.event_count, ladder=tuple(Action(step) for step in row.ladder),
        rung=row.rung, deadline=_delta(row.deadline_seconds),
        deadline_source=row.deadline_source, ladder_source=row.ladder_source,
        clock=CaseClock(started_at=row.clock_started_at, duration=_delta(row.clock_seconds),
                        paused_at=row.paused_at,
                        paused_for=timedelta(seconds=row.paused_seconds),
                        reminders_sent=row.reminders_sent),
        next_check_at=row.next_check_at, notified_at=row.notified_at,
        resolved_at=row.resolved_at, closed_at=row.closed_at,
        previous_case_id=row.previous_case_id, reopen_count=row.reopen_count,
        consent_note=row.consent_note, attention=row.attention,
    )


def _in_scope(query: Select[Any], selection: CaseFilter) -> Select[Any]:
    """``query`` limited to the customers ``selection`` is scoped to."""
    if selection.customer_id is not None:
        query = query.where(CaseRow.customer_id == selection.customer_id)
    if selection.party_id is not None:
        query = query.where(CaseRow.notify_customer_id == selection.party_id)
    return query


def _filtered(query: Select[Any], selection: CaseFilter) -> Select[Any]:
    """``query`` limited to the cases ``selection`` names (its order aside)."""
    query = _in_scope(query, selection)
    if selection.states:
        query = query.where(CaseRow.state.in_([s.value for s in selection.states]))
    if selection.clause_id is not None:
        query = query.where(CaseRow.clause_id == selection.clause_id)
    if selection.offender is not None:
        query = query.where(CaseRow.offender == selection.offender)
    if not selection.include_restricted:
        query = query.where(CaseRow.restricted.is_(False))
    if selection.needs_attention:
        query = query.where(CaseRow.attention.is_not(None))
    if selection.due_before is not None:
        query = query.where(CaseRow.due_at <= selection.due_before)
    return query


def _fill(row: CaseRow, case: Case) -> None:
    row.state = case.state.value
    row.open_key = None if case.state.is_final else case.key.as_text()
    row.clause_title = case.clause_title
    row.updated_at = case.updated_at
    row.first_event_at = case.first_event_at
    row.last_event_at = case.last_event_at
    row.event_count = case.event_count
    row.ladder = [step.value for step in case.ladder]
    row.rung = case.rung
    row.deadline_seconds = _seconds(case.deadline)
    row.deadline_source = case.deadline_source
    row.ladder_source = case.ladder_source
    row.clock_started_at = case.clock.started_at
    row.clock_seconds = _seconds(case.clock.duration)
    row.paused_at = case.clock.paused_at
    row.paused_seconds = int(case.clock.paused_for.total_seconds())
    row.reminders_sent = case.clock.reminders_sent
    row.due_at = case.clock.due_at()
    row.next_check_at = case.next_check_at
    row.notified_at = case.notified_at
    row.resolved_at = case.resolved_at
    row.closed_at = case.closed_at
    row.reopen_count = case.reopen_count
    row.consent_note = case.consent_note
    row.attention = case.attention


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> Case:
        row = CaseRow(
            customer_id=case.customer_id, notify_customer_id=case.notify_customer_id,
            clause_id=case.clause_id, offender=case.offender,
            policy_version_id=case.policy_version_id, severity=case.severity.value,
            restricted=case.restricted, opened_at=case.opened_at,
            previous_case_id=case.previous_case_id,
        )
        _fill(row, case)
        self.session.add(row)
        self.session.flush()
        row.reference = case_reference(row.id, case.opened_at)
        self.session.flush()
        if cases_counts.counts_as_offence(row.state):
            cases_counts.note_change(self.session, row.customer_id, +1)
        return to_case(row)

    def save(self, case: Case) -> Case:
        row = self.session.get_one(CaseRow, case.id)
        counted_before = cases_counts.counts_as_offence(row.state)
        _fill(row, case)
        self.session.flush()
        counted_now = cases_counts.counts_as_offence(row.state)
        if counted_now != counted_before:  # dismissed, or reopened after a dismissal
            cases_counts.note_change(self.session, row.customer_id, +1 if counted_now else -1)
        return to_case(row)

    def get(self, case_id: int, *, for_update: bool = False) -> Case | None:
        query = select(CaseRow).where(CaseRow.id == case_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return to_case(row) if row else None

    def by_reference(self, reference: str, *, for_update: bool = False) -> Case | None:
        query = select(CaseRow).where(CaseRow.reference == reference.strip().upper())
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return to_case(row) if row else None

    def latest_for_key(self, key: CaseKey, *, for_update: bool = False) -> Case | None:
        query = (select(CaseRow)
                 .where(CaseRow.customer_id == key.customer_id,
                        CaseRow.clause_id == key.clause_id, CaseRow.offender == key.offender)
                 .order_by(CaseRow.id.desc()).limit(1))
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return to_case(row) if row else None

    def list(self, selection: CaseFilter, *, limit: int = 100,
             before_id: int | None = None) -> Sequence[Case]:
        query = _filtered(select(CaseRow), selection)
        if selection.order is CaseOrder.DUE:
            return self._most_urgent(query, selection, limit=limit, after_id=before_id)
        if before_id is not None:
            query = query.where(CaseRow.id < before_id)
        rows = self.session.scalars(query.order_by(CaseRow.id.desc()).limit(limit))
        return [to_case(row) for row in rows]

    def _most_urgent(self, query: Select[tuple[CaseRow]], selection: CaseFilter, *,
                     limit: int, after_id: int | None) -> Sequence[Case]:
        """Earliest deadline first, then the cases without one (oldest first), after case
        ``after_id``. Two range reads of ``ix_cases_due``: one condition with an OR for
        "or no deadline" would make the database read the index from its start.

        The position is the after-case's deadline as it is now: if its deadline stopped
        since the page was shown (resolved, paused), the next page starts among the cases
        without a deadline."""
        rows: builtins.list[CaseRow] = []
        anchor_due: datetime | None = None
        if after_id is not None:
            anchor = self.session.execute(_in_scope(
                select(CaseRow.due_at).where(CaseRow.id == after_id), selection)).first()
            if anchor is None:
                raise InvalidInput(f"case id {after_id} is not among the cases you may list; "
                                   "page on from the last case of the previous page")
            anchor_due = anchor.due_at
        if after_id is None or anchor_due is not None:
            running = query.where(CaseRow.due_at.is_not(None))
            if anchor_due is not None:
                running = running.where(tuple_(CaseRow.due_at, CaseRow.id) > tuple_(
                    literal(anchor_due, UTCDateTime()), literal(after_id)))
            rows.extend(self.session.scalars(
                running.order_by(CaseRow.due_at, CaseRow.id).limit(limit)))
        if len(rows) < limit and selection.due_before is None:
            waiting = query.where(CaseRow.due_at.is_(None))
            if after_id is not None and anchor_due is None:
                waiting = waiting.where(CaseRow.id > after_id)
            rows.extend(self.session.scalars(
                waiting.order_by(CaseRow.id).limit(limit - len(rows))))
        return [to_case(row) for row in rows]

    def for_complaint(self, complaint_id: int) -> Sequence[Case]:
        ids = select(CaseEventRow.case_id).where(CaseEventRow.complaint_id == complaint_id)
        rows = self.session.scalars(select(CaseRow).where(CaseRow.id.in_(ids)).order_by(CaseRow.id))
        return [to_case(row) for row in rows]

    def due(self, now: datetime, *, limit: int = 500) -> Sequence[int]:
        query = (select(CaseRow.id).where(CaseRow.next_check_at <= now)
                 .order_by(CaseRow.next_check_at).limit(limit))
        return list(self.session.scalars(query))

    def offence_counts(self, customer_ids: Sequence[int], *,
                       since: datetime | None = None) -> Mapping[int, int]:
        if not customer_ids:
            return {}
        if since is None:
            return cases_counts.offence_counts(self.session, customer_ids)
        # A window has no counter: count the customers' cases opened since then.
        query = (select(CaseRow.customer_id, func.count())
                 .where(CaseRow.customer_id.in_(list(customer_ids)),
                        CaseRow.state != CaseState.DISMISSED.value,
                        CaseRow.opened_at >= since)
                 .group_by(CaseRow.customer_id))
        counts = {customer_id: 0 for customer_id in customer_ids}
        counts.update({customer_id: count for customer_id, count in self.session.execute(query)})
        return counts

    def open_counts(self, customer_ids: Sequence[int]) -> Mapping[int, int]:
        open_states = [state.value for state in CaseState if not state.is_final]
        counts = {customer_id: 0 for customer_id in customer_ids}
        for chunk in in_chunks(list(customer_ids)):
            query = (select(CaseRow.customer_id, func.count())
                     .where(CaseRow.customer_id.in_(chunk), CaseRow.state.in_(open_states))
                     .group_by(CaseRow.customer_id))
            counts.update({customer_id: count
                           for customer_id, count in self.session.execute(query)})
        return counts

    def rebuild_offence_counts(self) -> int:
        return cases_counts.rebuild(self.session)

    def add_event(self, event: CaseEvent) -> bool:
        existing = self.session.scalar(select(CaseEventRow.id).where(
            CaseEventRow.case_id == event.case_id,
            CaseEventRow.complaint_id == event.complaint_id,
            CaseEventRow.sequence == event.sequence))
        if existing is not None:
            return False
        self.session.add(CaseEventRow(
            case_id=event.case_id, complaint_id=event.complaint_id, sequence=event.sequence,
            event_id=event.event_id, event_at=event.event_at, category=event.category,
            type=event.type, offender=event.offender, joined_at=event.joined_at))
        self.session.flush()
        return True

    def events(self, case_id: int, *, limit: int = 1000) -> Sequence[CaseEvent]:
        rows = self.session.scalars(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id)
            .order_by(CaseEventRow.event_at, CaseEventRow.id).limit(limit))
        return [CaseEvent(row.case_id, row.complaint_id, row.sequence, row.event_id,
                          row.event_at, row.category, row.type, row.offender, row.joined_at)
                for row in rows]

    def add_response(self, *, case_id: int, kind: ResponseKind, party_id: int, author: str,
                     text: str, via: str, at: datetime,
                     evidence: Sequence[EvidenceFile]) -> CaseResponse:
        row = CaseResponseRow(case_id=case_id, kind=kind.value, party_id=party_id,
                              author=author, text=text, via=via, created_at=at)
        self.session.add(row)
        self.session.flush()
        for item in evidence:
            self.session.add(CaseEvidenceRow(
                case_id=case_id, response_id=row.id, filename=item.filename,
                content_type=item.content_type, size=len(item.data),
                sha256=hashlib.sha256(item.data).hexdigest(), data=item.data, created_at=at))
        self.session.flush()
        return self._response(row)

    def responses(self, case_id: int) -> Sequence[CaseResponse]:
        rows = self.session.scalars(select(CaseResponseRow).where(
            CaseResponseRow.case_id == case_id).order_by(CaseResponseRow.id))
        return [self._response(row) for row in rows]

    def _response(self, row: CaseResponseRow) -> CaseResponse:
        files = self.session.execute(
            select(CaseEvidenceRow.filename, CaseEvidenceRow.content_type, CaseEvidenceRow.size,
                   CaseEvidenceRow.sha256)
            .where(CaseEvidenceRow.response_id == row.id).order_by(CaseEvidenceRow.id)).all()
        return CaseResponse(row.id, row.case_id, ResponseKind(row.kind), row.party_id,
                            row.author, row.text, row.via, row.created_at,
                            tuple((f[0], f[1], f[2], f[3]) for f in files))

    def evidence_data(self, case_id: int, sha256: str) -> tuple[str, str, bytes] | None:
        row = self.session.scalars(select(CaseEvidenceRow).where(
            CaseEvidenceRow.case_id == case_id, CaseEvidenceRow.sha256 == sha256)).first()
        return (row.filename, row.content_type, row.data) if row else None

    def add_referral(self, *, case_id: int, authority: str, reference: str | None,
                     at: datetime, by: str, note: str | None) -> LegalReferral:
        row = LegalReferralRow(case_id=case_id, authority=authority, reference=reference,
                               referred_at=at, referred_by=by, note=note)
        self.session.add(row)
        self.session.flush()
        return LegalReferral(row.id, case_id, authority, reference, at, by, note)

    def referrals(self, case_id: int) -> Sequence[LegalReferral]:
        rows = self.session.scalars(select(LegalReferralRow).where(
            LegalReferralRow.case_id == case_id).order_by(LegalReferralRow.id))
        return [LegalReferral(r.id, r.case_id, r.authority, r.reference, r.referred_at,
                              r.referred_by, r.note) for r in rows]
