"""Opt-in evidence requests: the 24-hour clock of Bulk Emailers (1).

Staff request the confirmed opt-in record of one recipient on a spam case; the request is
due after the deadline of clause ``bulk-email.1`` in the policy version of the case (24
hours in the reference AUP), or the deadline the customer's agreement sets for that clause
(``deadline_terms`` with ``agreement_terms``, as for cases); the recipient goes on the
customer's no-send list at once ("remove complainants immediately upon request"), and the
party answering for the case is sent an ``optin-request`` notice through the case's notice
outbox, in the same transaction. The customer answers with a reference to its evidence
(the case's response link or portal form, the API, or staff recording an answer that came
by mail); ``answer_request`` is the one place an answer is written. The periodic
deadline check (``cases.deadlines``) calls ``check_overdue``: an unanswered request past
its due time is flagged once, and its case climbs the next rung of its ladder, as a passed
case deadline does (``abusedesk.services.cases_deadlines.escalate``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from abusedesk.domain.bulk import (
    OPTIN_CLAUSE,
    NoSendSource,
    OptInRequest,
    address_digest,
    address_hint,
    normalise_address,
)
from abusedesk.domain.cases_model import Case
from abusedesk.domain.clock import Clock
from abusedesk.domain.deadlines import DeadlineTerms, deadline_terms
from abusedesk.domain.errors import Conflict, InvalidInput, NotFound, PolicyError
from abusedesk.domain.notices import NoticeKind, NoticeStatus
from abusedesk.domain.policy import ClauseCategory
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import SYSTEM_ACTOR, record
from abusedesk.services.cases import agreement_terms, find_case
from abusedesk.services.cases_deadlines import escalate
from abusedesk.services.cases_queue import queue_case_notice
from abusedesk.services.customers import find_customer

#: Longest evidence reference kept (a URL, a document id, where the record is).
MAX_EVIDENCE = 2000


@dataclass(slots=True)
class OverdueReport:
    flagged: list[int] = field(default_factory=list)  # request ids
    escalated: list[str] = field(default_factory=list)  # case references


def checked_evidence(evidence: str) -> str:
    """The evidence reference, trimmed; ``InvalidInput`` when empty or too long."""
    evidence = evidence.strip()
    if not evidence:
        raise InvalidInput("give the opt-in evidence: where the confirmed opt-in record "
                           "is (a URL, a document reference) or what it shows")
    if len(evidence) > MAX_EVIDENCE:
        raise InvalidInput(f"the evidence reference is longer than {MAX_EVIDENCE} "
                           "characters; attach documents to the case instead")
    return evidence


def answer_request(uow: UnitOfWork, clock: Clock, found: OptInRequest, *, evidence: str,
                   author: str, via: str, recorded_by: str | None = None) -> OptInRequest:
    """Record the answer to an open request (read ``for_update``) in the caller's
    transaction; a request answered before is a conflict. A late answer is accepted and
    marked late in the audit log. ``recorded_by`` is the staff member who entered an
    answer that came by mail: the audit entry is theirs, and names the author."""
    if found.answered_at is not None:
        raise Conflict(f"opt-in evidence request {found.id} was answered at "
                       f"{found.answered_at:%Y-%m-%d %H:%M} UTC")
    author = " ".join(author.split())[:320] or "customer representative"
    now = clock.now()
    saved = uow.bulk.save_request(replace(found, answered_at=now, answered_by=author,
                                          evidence=checked_evidence(evidence)))
    record(uow, clock, actor=recorded_by or author, action="bulk.optin.answer",
           subject_type="case", subject_id=found.case_id,
           data={"request_id": found.id, "via": via, "late": now > found.due_at,
                 "author": author})
    return saved


class OptInService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *, promptly: timedelta,
                 leads: Sequence[timedelta] = ()) -> None:
        self._uow = uow
        self._clock = clock
        self._promptly = promptly
        self._leads = tuple(leads)

    def request(self, reference: str, address: str, *, actor: str) -> OptInRequest:
        """Ask for the opt-in record of ``address`` on spam case ``reference``.

        Asking again while a request for the same case and address is open returns that
        request: the clock is not restarted.
        """
        normalised = normalise_address(address)
        digest = address_digest(normalised)
        with self._uow() as uow:
            case = find_case(uow, reference, for_update=True)
            if case.state.is_final:
                raise Conflict(f"case {case.reference} is {case.state.label.lower()}; "
                               "reopen it before requesting evidence")
            terms = self._deadline(uow, case)
            assert terms.duration is not None
            for existing in uow.bulk.requests(case_id=case.id, open_only=True):
                if existing.address_sha256 == digest:
                    return existing
            now = self._clock.now()
            saved = uow.bulk.add_request(OptInRequest(
                id=0, customer_id=case.customer_id, case_id=case.id, address_sha256=digest,
                hint=address_hint(normalised), clause_id=OPTIN_CLAUSE, requested_at=now,
                due_at=now + terms.duration, requested_by=actor[:200]))
            notice = queue_case_notice(uow, self._clock, case, NoticeKind.OPTIN_REQUEST,
                                       complaint_id=None, requested_by=actor,
                                       serial=f"optin-{saved.id}")
            if notice is not None:
                saved = uow.bulk.save_request(replace(saved, notice_id=notice.id))
            uow.bulk.add_no_send(customer_id=case.customer_id, address_sha256=digest,
                                 hint=saved.hint, source=NoSendSource.COMPLAINANT,
                                 added_at=now, added_by=actor,
                                 note=f"opt-in evidence requested on {case.reference}")
            record(uow, self._clock, actor=actor, action="bulk.optin.request",
                   subject_type="case", subject_id=case.id,
                   data={"request_id": saved.id, "address_sha256": digest,
                         "due_at": saved.due_at.isoformat(),
                         "deadline": terms.duration_source, "notice_id": saved.notice_id})
            uow.commit()
        return saved

    def resend(self, request_id: int, *, actor: str) -> OptInRequest:
        """Queue the request's notice again, under a new dedup key, when the one before
        failed or was not sent (a representative added since, say); the request then names
        the new notice. An answered request, a closed case, or a notice still queued or
        already sent is a conflict. Audited as ``bulk.optin.resend``."""
        with self._uow() as uow:
            found = uow.bulk.request(request_id, for_update=True)
            if found is None:
                raise NotFound(f"no opt-in evidence request {request_id} "
                               "(`abusedesk bulk optin-requests` lists them)")
            if found.answered_at is not None:
                raise Conflict(f"opt-in evidence request {found.id} was answered at "
                               f"{found.answered_at:%Y-%m-%d %H:%M} UTC; nothing to resend")
            case = uow.cases.get(found.case_id, for_update=True)
            if case is None:
                raise NotFound(f"the case of opt-in evidence request {found.id} is gone")
            if case.state.is_final:
                raise Conflict(f"case {case.reference} is {case.state.label.lower()}; "
                               "reopen it before resending")
            before = uow.notices.get(found.notice_id) if found.notice_id else None
            if before is not None and before.status in (NoticeStatus.QUEUED,
                                                         NoticeStatus.SENT):
                raise Conflict(f"the notice of request {found.id} (#{before.id}) is "
                               f"{before.status.value}; only a failed or suppressed notice "
                               "is resent")
            serial = f"optin-{found.id}-resend-{self._clock.now().isoformat()}"
            notice = queue_case_notice(uow, self._clock, case, NoticeKind.OPTIN_REQUEST,
                                       complaint_id=None, requested_by=actor, serial=serial)
            if notice is None:
                raise Conflict(f"the notice of request {found.id} was queued again just now")
            saved = uow.bulk.save_request(replace(found, notice_id=notice.id))
            record(uow, self._clock, actor=actor, action="bulk.optin.resend",
                   subject_type="case", subject_id=case.id,
                   data={"request_id": found.id, "notice_id": notice.id,
                         "previous_notice_id": found.notice_id,
                         "previous_status": before.status.value if before else None})
            uow.commit()
        return saved

    def _deadline(self, uow: UnitOfWork, case: Case) -> DeadlineTerms:
        """The clause's deadline, or the one the customer's agreement (or its partner's)
        sets for clause ``bulk-email.1``."""
        stored = next((p for p in uow.policies.all() if p.id == case.policy_version_id), None)
        if stored is None:
            raise PolicyError(f"the policy version of case {case.reference} is missing")
        clauses = {clause.id: clause for clause in stored.policy.clauses}
        clause = clauses.get(case.clause_id)
        if clause is None or clause.category is not ClauseCategory.SPAM:
            raise InvalidInput(f"case {case.reference} is about {case.clause_id}, not spam; "
                               "opt-in evidence is asked for on spam cases")
        timing = clauses.get(OPTIN_CLAUSE)
        terms = None if timing is None else deadline_terms(
            timing, policy_label=stored.label, promptly=self._promptly,
            override=agreement_terms(uow, case.customer_id, OPTIN_CLAUSE))
        if terms is None or terms.duration is None:
            raise PolicyError(f"{stored.label} has no deadline for clause {OPTIN_CLAUSE} "
                              "to time the request by")
        return terms

    def requests(self, ref_or_id: str | int | None = None, *,
                 open_only: bool = False) -> Sequence[OptInRequest]:
        with self._uow() as uow:
            customer_id = None if ref_or_id is None or ref_or_id == "" \
                else find_customer(uow, ref_or_id).id
            return uow.bulk.requests(customer_id=customer_id, open_only=open_only)

    def case_requests(self, case_id: int, *, open_only: bool = False
                      ) -> Sequence[OptInRequest]:
        with self._uow() as uow:
            return uow.bulk.requests(case_id=case_id, open_only=open_only)

    def open_requests(self, customer_ids: Sequence[int]) -> list[tuple[OptInRequest, str]]:
        """The open requests of these customers, soonest due first, each with the
        reference of its case (the customer portal's list)."""
        with self._uow() as uow:
            found = uow.bulk.requests(customer_ids=customer_ids, open_only=True)
            cases = {case_id: uow.cases.get(case_id) for case_id in {r.case_id for r in found}}
        return [(r, case.reference if (case := cases.get(r.case_id)) else str(r.case_id))
                for r in sorted(found, key=lambda r: (r.due_at, r.id))]

    def answer(self, request_id: int, *, evidence: str, author: str, via: str,
               visible: Callable[[int], bool] | None = None,
               recorded_by: str | None = None) -> OptInRequest:
        """Record the customer's evidence for a request. ``visible`` (a customer's or
        partner's scope) makes requests of other customers answer as not found;
        ``recorded_by`` names the staff member entering an answer that came by mail."""
        evidence = checked_evidence(evidence)
        with self._uow() as uow:
            found = uow.bulk.request(request_id, for_update=True)
            if found is None or (visible is not None and not visible(found.customer_id)):
                raise NotFound(f"no opt-in evidence request {request_id}")
            saved = answer_request(uow, self._clock, found, evidence=evidence, author=author,
                                   via=via, recorded_by=recorded_by)
            uow.commit()
        return saved

    def check_overdue(self, *, limit: int = 500) -> OverdueReport:
        """Flag unanswered requests past due, each once, and escalate their cases."""
        now = self._clock.now()
        report = OverdueReport()
        with self._uow() as uow:
            due = uow.bulk.overdue(now, limit=limit)
        for request_id in due:
            self._flag(request_id, now, report)
        return report

    def _flag(self, request_id: int, now: datetime, report: OverdueReport) -> None:
        with self._uow() as uow:
            found = uow.bulk.request(request_id, for_update=True)
            if found is None or found.answered_at is not None or found.overdue_at is not None:
                return  # answered or flagged by another worker meanwhile
            uow.bulk.save_request(replace(found, overdue_at=now))
            reason = (f"no confirmed opt-in evidence for {found.hint} by "
                      f"{found.due_at:%Y-%m-%d %H:%M} UTC (request {found.id}, clause "
                      f"{found.clause_id})")
            record(uow, self._clock, actor=SYSTEM_ACTOR, action="bulk.optin.overdue",
                   subject_type="case", subject_id=found.case_id, reason=reason,
                   data={"request_id": found.id})
            case = uow.cases.get(found.case_id, for_update=True)
            if case is not None and not case.state.is_final:
                escalate(uow, self._clock, case, reason=reason, leads=self._leads, now=now)
                report.escalated.append(case.reference)
            report.flagged.append(found.id)
            uow.commit()
