"""Cases as a use case: events into cases, state changes, pausing, and what staff read.

``CaseService.aggregate_complaint`` runs as the ``cases.aggregate`` job after a complaint's
events are stored. Each event with a customer and a violated clause joins the case of its
key (customer, clause, offending resource), reopens it, or opens one (see
``abusedesk.domain.cases.decide_aggregation``); new and reopened cases get a notice queued,
and the complainant an acknowledgement, all in the one transaction. The job is
idempotent: an event joins a case once, a notice is queued once.

Every change of state goes through ``move``, which checks the transition table and writes
the audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from abusedesk.domain.cases import (
    AggregationKind,
    CaseKey,
    CaseState,
    check_transition,
    decide_aggregation,
    offender_resource,
)
from abusedesk.domain.cases_consent import consent_kinds_for, covering_consent, describe_consent
from abusedesk.domain.cases_model import Case, CaseEvent, moved
from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints_events import StoredEvent
from abusedesk.domain.customers import ClauseTerms, Consent, Customer
from abusedesk.domain.deadlines import CaseClock, deadline_terms, next_check_at
from abusedesk.domain.enforcement import ActionStatus
from abusedesk.domain.errors import Conflict, NotFound, Remedy
from abusedesk.domain.notices import NoticeKind
from abusedesk.domain.policy import Action, Clause
from abusedesk.domain.ports import StoredPolicy, UnitOfWork
from abusedesk.services.audit import SYSTEM_ACTOR, record
from abusedesk.services.cases_queue import queue_acknowledgement, queue_case_notice
from abusedesk.services.customers import customer_chain


@dataclass(frozen=True, slots=True)
class CaseSettings:
    """The settings case work reads (a slice of ``abusedesk.config.Settings``)."""

    promptly: timedelta = timedelta(hours=72)
    reopen_window: timedelta = timedelta(days=30)
    reminder_leads: tuple[timedelta, ...] = (timedelta(hours=24),)
    acknowledge_complainants: bool = True


@dataclass(slots=True)
class AggregationReport:
    complaint_id: int
    opened: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    skipped: int = 0  # events with no customer or no violated clause

    @property
    def references(self) -> list[str]:
        return sorted(set(self.opened + self.joined + self.reopened + self.covered))


def move(uow: UnitOfWork, clock: Clock, case: Case, to: CaseState, *, actor: str,
         reason: str | None, leads: Sequence[timedelta] = (),
         data: Mapping[str, Any] | None = None, at: datetime | None = None,
         changes: Mapping[str, Any] | None = None) -> Case:
    """Change ``case`` to ``to`` (refused unless the table allows it), save, and audit.

    ``at`` is when the move took effect (default now): a notice's send time, for one.
    ``changes`` are further fields of the case to set with the move (the rung, say).
    """
    check_transition(case.reference, case.state, to)
    now = at or clock.now()
    updated = moved(case, to, at=now, leads=leads)
    if changes:
        updated = replace(updated, **dict(changes))
    saved = uow.cases.save(updated)
    record(uow, clock, actor=actor, action="case.transition", subject_type="case",
           subject_id=case.id, reason=reason,
           data={"reference": case.reference, "from": case.state.value, "to": to.value,
                 **(data or {})})
    return saved


def find_case(uow: UnitOfWork, reference: str, *, for_update: bool = False) -> Case:
    """The case by reference (``AD-2026-000012``) or by id (``12``, ``#12``)."""
    text = reference.strip().lstrip("#")
    case = uow.cases.get(int(text), for_update=for_update) if text.isdigit() else \
        uow.cases.by_reference(text, for_update=for_update)
    if case is None:
        raise NotFound(f"no case {reference!r}", remedy=Remedy.FIND_CASE)
    return case


def agreement_terms(uow: UnitOfWork, customer_id: int, clause_id: str,
                    cache: dict[int, Customer | None] | None = None) -> ClauseTerms | None:
    """The agreement's terms overriding ``clause_id`` for the customer: its own, else its
    partner's. With ``deadline_terms`` this is how every deadline honours the agreement
    (cases here, opt-in evidence requests in ``abusedesk.services.bulk_optin``)."""
    for customer in customer_chain(uow, customer_id, cache):
        terms = customer.agreement.terms_for(clause_id)
        if terms is not None:
            return terms
    return None


class CaseService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 settings: CaseSettings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    # -- aggregation ------------------------------------------------------------------------
    def aggregate_complaint(self, complaint_id: int) -> AggregationReport:
        """Fold a processed complaint's events into cases (idempotent)."""
        report = AggregationReport(complaint_id)
        with self._uow() as uow:
            if uow.complaints.get(complaint_id) is None:
                raise NotFound(f"no complaint {complaint_id}")
            policies = {stored.id: stored for stored in uow.policies.all()}
            groups: dict[CaseKey, list[tuple[StoredEvent, Clause, StoredPolicy]]] = {}
            for event in uow.events.for_complaint(complaint_id):
                usable = self._usable(event, policies)
                if not usable:
                    report.skipped += 1
                for key, clause, stored in usable:
                    groups.setdefault(key, []).append((event, clause, stored))
            customers: dict[int, Customer | None] = {}
            for key, items in groups.items():
                items.sort(key=lambda item: (item[0].event_time, item[0].sequence))
                self._aggregate_key(uow, key, items, report, customers)
            if report.references and self._settings.acknowledge_complainants:
                queue_acknowledgement(uow, self._clock, complaint_id=complaint_id)
            uow.commit()
        return report

    def _usable(self, event: StoredEvent, policies: Mapping[int, StoredPolicy]
                ) -> list[tuple[CaseKey, Clause, StoredPolicy]]:
        if event.customer_id is None or not event.clause_ids:
            return []
        stored = policies.get(event.policy_version_id)
        offender = offender_resource(ip=event.ip, url=event.url, domain=event.domain,
                                     email=event.email) or event.offender
        if stored is None or offender is None:
            return []
        usable = []
        for clause_id in event.clause_ids:
            try:
                clause = stored.policy.clause(clause_id)
            except KeyError:
                continue
            if clause.is_violation:
                usable.append((CaseKey(event.customer_id, clause_id, offender), clause, stored))
        return usable

    def _aggregate_key(self, uow: UnitOfWork, key: CaseKey,
                       items: list[tuple[StoredEvent, Clause, StoredPolicy]],
                       report: AggregationReport,
                       customers: dict[int, Customer | None]) -> None:
        case = uow.cases.latest_for_key(key, for_update=True)
        for event, clause, stored in items:
            party_id = event.notify_customer_id or event.customer_id or key.customer_id
            consent = self._consent(uow, customers, key, clause, event)
            covered = consent is not None
            decision = decide_aggregation(case.snapshot if case else None, event.event_time,
                                          self._settings.reopen_window, covered=covered)
            if decision.kind in (AggregationKind.OPEN, AggregationKind.OPEN_LINKED):
                override = agreement_terms(uow, key.customer_id, clause.id, customers)
                case = self._open(uow, key, party_id, clause, stored, event, override,
                                  previous=decision.case_id, reason=decision.reason)
                (report.covered if covered else report.opened).append(case.reference)
            elif decision.kind is AggregationKind.REOPEN:
                assert case is not None
                case = move(uow, self._clock, case, CaseState.NEW, actor=SYSTEM_ACTOR,
                            reason=f"reopened: {decision.reason}",
                            data={"complaint_id": event.complaint_id})
                report.reopened.append(case.reference)
            else:
                assert case is not None
                report.joined.append(case.reference)
            case = self._join(uow, case, event)
            if covered and case.state is CaseState.NEW and consent is not None:
                note = describe_consent(consent)
                case = move(uow, self._clock, case, CaseState.CLOSED, actor=SYSTEM_ACTOR,
                            reason=f"covered by {note}", data={"consent": note},
                            changes={"consent_note": note})
            elif case.state is CaseState.NEW:
                self._start(uow, case, event)

    def _open(self, uow: UnitOfWork, key: CaseKey, party_id: int, clause: Clause,
              stored: StoredPolicy, event: StoredEvent, override: ClauseTerms | None, *,
              previous: int | None, reason: str) -> Case:
        now = self._clock.now()
        terms = deadline_terms(clause, policy_label=stored.label,
                               promptly=self._settings.promptly, override=override)
        case = uow.cases.add(Case(
            id=0, reference="", state=CaseState.NEW, customer_id=key.customer_id,
            notify_customer_id=party_id, clause_id=clause.id, clause_title=clause.title,
            offender=key.offender, policy_version_id=stored.id, severity=clause.severity,
            restricted=clause.restricted, opened_at=now, updated_at=now,
            first_event_at=event.event_time, last_event_at=event.event_time, event_count=0,
            ladder=terms.ladder, rung=0, deadline=terms.duration,
            deadline_source=terms.duration_source, ladder_source=terms.ladder_source,
            clock=CaseClock(), previous_case_id=previous,
        ))
        record(uow, self._clock, actor=SYSTEM_ACTOR, action="case.open", subject_type="case",
               subject_id=case.id, reason=reason, data={
                   "reference": case.reference, "customer_id": key.customer_id,
                   "party_id": party_id, "clause": clause.id, "offender": key.offender,
                   "policy": stored.label, "deadline": terms.duration_source,
                   "ladder": [step.value for step in terms.ladder],
                   "previous_case_id": previous, "complaint_id": event.complaint_id})
        return case

    def _join(self, uow: UnitOfWork, case: Case, event: StoredEvent) -> Case:
        joined = uow.cases.add_event(CaseEvent(
            case_id=case.id, complaint_id=event.complaint_id, sequence=event.sequence,
            event_id=event.id, event_at=event.event_time, category=event.category,
            type=event.type, offender=case.offender, joined_at=self._clock.now()))
        if not joined:
            return case
        return uow.cases.save(replace(
            case, event_count=case.event_count + 1,
            first_event_at=min(case.first_event_at, event.event_time),
            last_event_at=max(case.last_event_at, event.event_time),
            updated_at=self._clock.now()))

    def _start(self, uow: UnitOfWork, case: Case, event: StoredEvent) -> None:
        """What a new or reopened case needs: a notice, or for a restricted clause the
        immediate suspension request and staff attention instead."""
        if case.restricted:
            if not uow.enforcement.actions(case_id=case.id, statuses=(
                    ActionStatus.AWAITING_APPROVAL, ActionStatus.APPROVED)):
                first = case.ladder[0] if case.ladder else Action.SUSPEND
                request = uow.enforcement.add_action(
                    case_id=case.id, action=first, target=case.offender,
                    status=ActionStatus.AWAITING_APPROVAL, dry_run=False,
                    reason=f"restricted clause {case.clause_id}: immediate {first.value}",
                    requested_by=SYSTEM_ACTOR, at=self._clock.now())
                record(uow, self._clock, actor=SYSTEM_ACTOR, action="enforcement.request",
                       subject_type="case", subject_id=case.id, reason=request.reason,
                       data={"action_id": request.id, "action": first.value})
            uow.cases.save(replace(case, attention=(
                f"restricted clause {case.clause_id}: nothing is forwarded; a supervisor "
                "reviews it, approves the suspension and records the legal referral")))
            return
        queue_case_notice(uow, self._clock, case, NoticeKind.NOTICE,
                          complaint_id=event.complaint_id, requested_by=SYSTEM_ACTOR)

    def _consent(self, uow: UnitOfWork, cache: dict[int, Customer | None], key: CaseKey,
                 clause: Clause, event: StoredEvent) -> Consent | None:
        """A written consent of the customer (or a partner above it) covering the event."""
        kinds = consent_kinds_for(clause, xarf_pair=f"{event.category}/{event.type}",
                                  rsit_type=event.rsit_type)
        if not kinds:
            return None
        resources = [key.offender] + [value for value in (event.ip, event.domain) if value]
        for customer in customer_chain(uow, key.customer_id, cache):
            consent = covering_consent(customer.consents, kinds=kinds, resources=resources,
                                       at=event.event_time)
            if consent is not None:
                return consent
        return None

    # -- staff actions ---------------------------------------------------------------------
    def transition(self, reference: str, to: CaseState, *, actor: str, reason: str) -> Case:
        """Move a case by hand. Suspension and termination come from enforcement actions
        (``EnforcementService``), so the two-person rule cannot be stepped around."""
        with self._uow() as uow:
            case = find_case(uow, reference, for_update=True)
            if to in (CaseState.SUSPENDED, CaseState.TERMINATED):
                action = "terminate" if to is CaseState.TERMINATED else "suspend"
                raise Conflict(f"a case becomes {to.value} when a {action} enforcement action "
                               f"on it is carried out; request that action instead",
                               remedy=Remedy.ENFORCE, case=case.reference, action=action)
            updated = move(uow, self._clock, case, to, actor=actor, reason=reason,
                           leads=self._settings.reminder_leads)
            if to is CaseState.NEW:
                queue_case_notice(uow, self._clock, updated, NoticeKind.NOTICE,
                                  complaint_id=None, requested_by=actor)
            uow.commit()
        return updated

    def pause(self, reference: str, *, actor: str, reason: str) -> Case:
        """Stop the deadline clock while the provider owes the next move."""
        return self._clock_change(reference, actor=actor, reason=reason, pause=True)

    def resume(self, reference: str, *, actor: str, reason: str) -> Case:
        return self._clock_change(reference, actor=actor, reason=reason, pause=False)

    def _clock_change(self, reference: str, *, actor: str, reason: str, pause: bool) -> Case:
        now = self._clock.now()
        with self._uow() as uow:
            case = find_case(uow, reference, for_update=True)
            if not case.clock.running:
                raise Conflict(f"case {case.reference} has no running deadline to "
                               f"{'pause' if pause else 'resume'}")
            clock = case.clock.pause(now) if pause else case.clock.resume(now)
            saved = uow.cases.save(replace(case, clock=clock, updated_at=now,
                                           next_check_at=next_check_at(
                                               clock, self._settings.reminder_leads)))
            record(uow, self._clock, actor=actor,
                   action="case.pause" if pause else "case.resume", subject_type="case",
                   subject_id=case.id, reason=reason,
                   data={"reference": case.reference, "due_at": saved.clock.due_at(now)})
            uow.commit()
        return saved

    def refer(self, reference: str, *, authority: str, external_reference: str | None,
              actor: str, note: str | None = None) -> Case:
        """Record a referral to the authorities (the legal escalation of a restricted case)."""
        with self._uow() as uow:
            case = find_case(uow, reference, for_update=True)
            referral = uow.cases.add_referral(case_id=case.id, authority=authority,
                                              reference=external_reference,
                                              at=self._clock.now(), by=actor, note=note)
            record(uow, self._clock, actor=actor, action="case.legal-referral",
                   subject_type="case", subject_id=case.id, reason=note,
                   data={"referral_id": referral.id, "authority": authority,
                         "external_reference": external_reference})
            uow.commit()
        return case
