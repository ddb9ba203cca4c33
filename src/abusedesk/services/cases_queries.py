"""What staff read about cases: lists with repeat-offence counts, and one case in full.

A restricted case (clause 2a) shows its state, deadline and actions, but not its events
or complaints unless ``reveal`` is asked for; revealing is recorded in the audit log with
who asked. Which staff may ask is the interfaces' decision (the "restricted access"
permission of supervisors and admins).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from abusedesk.domain.audit import AuditEntry
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case, CaseEvent, CaseResponse, LegalReferral, Notice
from abusedesk.domain.cases_ports import CaseFilter
from abusedesk.domain.clock import Clock
from abusedesk.domain.enforcement import Charge, EnforcementAction
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import record
from abusedesk.services.cases import find_case

#: States listed by default: every case that still needs something.
OPEN_STATES = tuple(state for state in CaseState if not state.is_final)


@dataclass(frozen=True, slots=True)
class CaseListing:
    case: Case
    offences: int  # cases of the case's customer, dismissed ones not counted
    customer_name: str | None


@dataclass(frozen=True, slots=True)
class CaseStanding:
    """A customer's cases at a glance: how many are open, and its repeat-offence count."""

    open: int
    offences: int


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: Case
    customer_name: str | None
    party_name: str | None
    offences: int
    events: Sequence[CaseEvent]
    content_withheld: bool
    notices: Sequence[Notice]
    actions: Sequence[EnforcementAction]
    responses: Sequence[CaseResponse]
    charges: Sequence[Charge]
    referrals: Sequence[LegalReferral]
    history: Sequence[AuditEntry]
    previous_reference: str | None
    due_at: datetime | None


class CaseQueries:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def list(self, selection: CaseFilter | None = None, *, limit: int = 100,
             before_id: int | None = None) -> Sequence[CaseListing]:
        """Cases in ``selection.order``, newest first by default (open ones unless
        ``selection`` names states), each with its customer's repeat-offence count.

        ``before_id`` is the last case of the previous page; the page that follows it is
        returned. The counts are read from counters, not counted, so a page costs the same
        whatever the number of cases its customers have; the customers' names come in one
        read for the page."""
        selection = selection or CaseFilter(states=OPEN_STATES)
        with self._uow() as uow:
            cases = uow.cases.list(selection, limit=limit, before_id=before_id)
            customer_ids = sorted({case.customer_id for case in cases})
            counts = uow.cases.offence_counts(customer_ids)
            names = uow.customers.names(customer_ids)
        return [CaseListing(case, counts.get(case.customer_id, 0), names.get(case.customer_id))
                for case in cases]

    def standing(self, customer_ids: Sequence[int]) -> dict[int, CaseStanding]:
        """Open cases and repeat offences of each customer asked for (two grouped reads)."""
        with self._uow() as uow:
            open_counts = uow.cases.open_counts(customer_ids)
            offences = uow.cases.offence_counts(customer_ids)
        return {customer_id: CaseStanding(open_counts.get(customer_id, 0),
                                          offences.get(customer_id, 0))
                for customer_id in customer_ids}

    def offences(self, customer_id: int, *, since: datetime | None = None) -> int:
        with self._uow() as uow:
            return uow.cases.offence_counts([customer_id], since=since).get(customer_id, 0)

    def for_complaint(self, complaint_id: int) -> Sequence[CaseListing]:
        """The cases that events of complaint ``complaint_id`` joined, oldest first."""
        with self._uow() as uow:
            cases = uow.cases.for_complaint(complaint_id)
            customer_ids = sorted({case.customer_id for case in cases})
            counts = uow.cases.offence_counts(customer_ids)
            names = uow.customers.names(customer_ids)
        return [CaseListing(case, counts.get(case.customer_id, 0), names.get(case.customer_id))
                for case in cases]

    def case(self, reference: str) -> Case:
        """The case itself, by reference or id (nothing else is read)."""
        with self._uow() as uow:
            return find_case(uow, reference)

    def detail(self, reference: str, *, reveal: bool = False, actor: str = "staff") -> CaseDetail:
        """One case with everything recorded about it."""
        with self._uow() as uow:
            case = find_case(uow, reference)
            withheld = case.restricted and not reveal
            if case.restricted and reveal:
                record(uow, self._clock, actor=actor, action="case.reveal",
                       subject_type="case", subject_id=case.id,
                       reason="restricted content shown on request")
                uow.commit()
            previous = uow.cases.get(case.previous_case_id) if case.previous_case_id else None
            names = uow.customers.names([case.customer_id, case.notify_customer_id])
            detail = CaseDetail(
                case=case, customer_name=names.get(case.customer_id),
                party_name=names.get(case.notify_customer_id),
                offences=uow.cases.offence_counts([case.customer_id]).get(case.customer_id, 0),
                events=() if withheld else uow.cases.events(case.id),
                content_withheld=withheld,
                notices=uow.notices.for_case(case.id),
                actions=uow.enforcement.actions(case_id=case.id),
                responses=uow.cases.responses(case.id),
                charges=[item[0] for item in uow.enforcement.charges(case_id=case.id)],
                referrals=uow.cases.referrals(case.id),
                history=uow.audit.for_subject("case", str(case.id)),
                previous_reference=previous.reference if previous else None,
                due_at=case.clock.due_at(self._clock.now()),
            )
        return detail
