"""What listing changes do to cases (clause 3e of the reference policy).

- A new listing, or a listing whose return codes changed, is filed by aggregation like any
  event (``aggregate``, the ``cases.aggregate`` use case): it opens a case under the clause
  the policy maps ``reputation/blocklist`` to, or joins the open one, whose notice then
  starts the deadline when the relay accepts it.
- A delisting resolves the case once the entry is listed on no zone any more.
- A re-listing after a delisting escalates (``cases_deadlines.escalate``): the case of the
  earlier listing when it is still open or resolved (the new evidence then joins it), or
  else the case aggregation reopens or opens for the new evidence.

Each change is applied once: the case work and the mark that it was done are written in
one transaction, with the change row locked. A change recorded but not applied (the
process ended between the two) is applied by the next sweep (``apply_pending``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import timedelta

from abusedesk.domain.blocklists import ListingChange, ListingStatus, Transition
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case
from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints_events import StoredEvent
from abusedesk.domain.errors import NotFound
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.cases import move
from abusedesk.services.cases_deadlines import escalate

log = logging.getLogger(__name__)

#: The actor the audit log records for what monitoring does to cases.
MONITOR_ACTOR = "system:blocklists"


def case_label(case: Case) -> str:
    """``AD-2026-000012 (notified)``: how listing changes and status name a case."""
    return f"{case.reference} ({case.state.value})"


def _codes(change: ListingChange) -> str:
    return ", ".join(change.codes) or "listed"


class ListingCases:
    """Applies listing changes to cases; see the module docstring."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *,
                 aggregate: Callable[[int], object], leads: Sequence[timedelta] = (),
                 zones: Collection[str] | None = None) -> None:
        """``zones``: the zones in use; a listing kept on a zone no longer swept does not
        hold a case open (None: every zone counts)."""
        self._uow = uow
        self._clock = clock
        self._aggregate = aggregate
        self._leads = tuple(leads)
        self._zones = frozenset(zones) if zones is not None else None

    def apply_all(self, changes: Sequence[ListingChange]) -> list[ListingChange]:
        """Apply ``changes`` in order; returns them as they stand afterwards.

        A change that fails (the database, a broken template of the case services) is
        logged, its outcome says why, and it stays pending for the next sweep: one bad
        change must not stop the sweep nor hide the others.
        """
        applied = []
        for change in changes:
            try:
                applied.append(self.apply(change.id))
            except Exception as error:  # noqa: BLE001 - kept pending, retried next sweep
                log.exception("blocklist change %s (%s %s on %s) could not be applied",
                              change.id, change.transition.value, change.entry, change.zone)
                applied.append(self._failed(change.id, error))
        return applied

    def apply_pending(self) -> list[ListingChange]:
        """Apply every change recorded but not applied yet, oldest first."""
        with self._uow() as uow:
            pending = uow.blocklists.changes(pending=True)
        return self.apply_all(pending)

    def apply(self, change_id: int) -> ListingChange:
        """Apply one change (a no-op when it was applied before)."""
        change = self._peek(change_id)
        if change.applied_at is not None:
            return change
        if change.transition is Transition.DELISTED:
            return self._delisted(change_id)
        if change.transition is Transition.RELISTED:
            return self._relisted(change_id)
        return self._listed(change_id)

    # -- listings --------------------------------------------------------------------------
    def _listed(self, change_id: int) -> ListingChange:
        change = self._peek(change_id)
        if change.complaint_id is not None:
            self._aggregate(change.complaint_id)
        with self._uow() as uow:
            change = self._locked(uow, change_id)
            if change.applied_at is not None:
                return change
            case = self._case_of(uow, change)
            outcome = f"case {case_label(case)}" if case is not None \
                else self._why_no_case(uow, change)
            return self._done(uow, change, case, outcome)

    def _relisted(self, change_id: int) -> ListingChange:
        change = self._peek(change_id)
        reason = (f"{change.entry} is listed again on {change.zone} ({_codes(change)}) after "
                  "its delisting: the policy forbids re-listing")
        if change.case_id is None and change.prior_case_id is not None:
            # The earlier listing's case, if it is still ours to climb: escalate it first,
            # so that the new evidence joins it instead of reopening it.
            with self._uow() as uow:
                change = self._locked(uow, change_id)
                prior = uow.cases.get(change.prior_case_id or 0, for_update=True)
                event = self._event(uow, change)
                if change.case_id is None and change.applied_at is None and prior is not None \
                        and not prior.state.is_final and _same_key(prior, event):
                    escalated = escalate(uow, self._clock, prior, reason=reason,
                                         leads=self._leads, actor=MONITOR_ACTOR)
                    change = replace(change, case_id=prior.id,
                                     outcome=f"escalated {case_label(escalated)}")
                    uow.blocklists.save_change(change)
                    uow.commit()
        if change.complaint_id is not None:
            self._aggregate(change.complaint_id)
        with self._uow() as uow:
            change = self._locked(uow, change_id)
            if change.applied_at is not None:
                return change
            if change.case_id is not None:
                case = uow.cases.get(change.case_id)
                return self._done(uow, change, case, change.outcome or "escalated")
            case = self._case_of(uow, change)
            if case is None:
                return self._done(uow, change, None, self._why_no_case(uow, change))
            if case.state.is_final:
                return self._done(uow, change, case, f"case {case_label(case)}: not escalated")
            escalated = escalate(uow, self._clock, case, reason=reason, leads=self._leads,
                                 actor=MONITOR_ACTOR)
            return self._done(uow, change, escalated, f"escalated {case_label(escalated)}")

    # -- delistings ------------------------------------------------------------------------
    def _delisted(self, change_id: int) -> ListingChange:
        with self._uow() as uow:
            change = self._locked(uow, change_id)
            if change.applied_at is not None:
                return change
            listings = uow.blocklists.listings(entries=[change.entry])
            still = sorted(listing.zone for listing in listings
                           if listing.status is ListingStatus.LISTED
                           and (self._zones is None or listing.zone in self._zones))
            if still:
                return self._done(uow, change, None, f"still listed on {', '.join(still)}: "
                                                     "the case stays open")
            reason = (f"{change.entry} is delisted from {change.zone} (checked "
                      f"{change.observed_at:%Y-%m-%d %H:%M} UTC) and listed on no zone")
            first: Case | None = None
            notes: list[str] = []
            for case_id in sorted({listing.case_id for listing in listings if listing.case_id}):
                case = uow.cases.get(case_id, for_update=True)
                if case is None:
                    continue
                if case.state is CaseState.RESOLVED or case.state.is_final:
                    notes.append(f"case {case_label(case)} left as it is")
                else:
                    case = move(uow, self._clock, case, CaseState.RESOLVED, actor=MONITOR_ACTOR,
                                reason=reason, data={"zone": change.zone, "entry": change.entry,
                                                     "blocklist_change_id": change.id})
                    notes.append(f"resolved {case.reference}")
                first = first or case
            return self._done(uow, change, first, "; ".join(notes) or "no case to resolve")

    # -- helpers ---------------------------------------------------------------------------
    def _failed(self, change_id: int, error: Exception) -> ListingChange:
        with self._uow() as uow:
            change = self._locked(uow, change_id)
            if change.applied_at is None:
                change = replace(change, outcome=f"not applied yet ({type(error).__name__}: "
                                                 f"{error}); retried by the next sweep")
                uow.blocklists.save_change(change)
                uow.commit()
        return change

    def _peek(self, change_id: int) -> ListingChange:
        with self._uow() as uow:
            return self._read(uow, change_id)

    @staticmethod
    def _locked(uow: UnitOfWork, change_id: int) -> ListingChange:
        return ListingCases._read(uow, change_id, for_update=True)

    @staticmethod
    def _read(uow: UnitOfWork, change_id: int, *, for_update: bool = False) -> ListingChange:
        change = uow.blocklists.change(change_id, for_update=for_update)
        if change is None:
            raise NotFound(f"no blocklist change {change_id}")
        return change

    @staticmethod
    def _event(uow: UnitOfWork, change: ListingChange) -> StoredEvent | None:
        if change.complaint_id is None:
            return None
        events = uow.events.for_complaint(change.complaint_id)
        return events[0] if events else None

    @staticmethod
    def _case_of(uow: UnitOfWork, change: ListingChange) -> Case | None:
        if change.complaint_id is None:
            return None
        cases = uow.cases.for_complaint(change.complaint_id)
        return cases[-1] if cases else None

    def _why_no_case(self, uow: UnitOfWork, change: ListingChange) -> str:
        event = self._event(uow, change)
        if event is None:
            return "no evidence event stored"
        if event.customer_id is None:
            return f"no case: not ours ({event.not_ours_reason or 'no customer holds it'})"
        if not event.clause_ids:
            return f"no case: {event.classification_note or 'no clause applies'}"
        return "no case"

    def _done(self, uow: UnitOfWork, change: ListingChange, case: Case | None,
              outcome: str) -> ListingChange:
        done = replace(change, case_id=case.id if case is not None else change.case_id,
                       applied_at=self._clock.now(), outcome=outcome)
        uow.blocklists.save_change(done)
        if case is not None and change.transition is not Transition.DELISTED:
            listing = uow.blocklists.listing(change.zone, change.entry, for_update=True)
            if listing is not None:
                uow.blocklists.save_listing(replace(listing, case_id=case.id))
        uow.commit()
        return done


def _same_key(case: Case, event: StoredEvent | None) -> bool:
    """The new evidence belongs to ``case``: the same customer now, under its clause."""
    return event is not None and event.customer_id == case.customer_id \
        and case.clause_id in event.clause_ids
