"""The periodic deadline check: reminders before a deadline, the ladder after it.

``DeadlineService.check`` reads the cases whose ``next_check_at`` has come (an index
lookup, not a scan) and handles each in its own transaction with the case row locked, so
two workers running the check at once handle each case once. Past the deadline a case
climbs to the next rung of its ladder: a warning is a notice; any other action is
requested from enforcement (termination then waits for a second person), and the customer
is told; the clock restarts for the new rung. Past the last rung staff are asked to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case
from abusedesk.domain.clock import Clock
from abusedesk.domain.deadlines import (
    DeadlineDecision,
    DeadlineStep,
    check_deadline,
    describe_duration,
    next_check_at,
)
from abusedesk.domain.enforcement import initial_status
from abusedesk.domain.notices import NoticeKind
from abusedesk.domain.policy import Action
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import SYSTEM_ACTOR, record
from abusedesk.services.cases import CaseSettings, move
from abusedesk.services.cases_queue import queue_case_notice


@dataclass(slots=True)
class DeadlineReport:
    checked: int = 0
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    exhausted: list[str] = field(default_factory=list)


class DeadlineService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 settings: CaseSettings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    def check(self, *, limit: int = 500) -> DeadlineReport:
        """Handle every case whose deadline check is due now (at most ``limit`` per run)."""
        now = self._clock.now()
        report = DeadlineReport()
        with self._uow() as uow:
            due = uow.cases.due(now, limit=limit)
        for case_id in due:
            report.checked += 1
            self._check_one(case_id, now, report)
        return report

    def _check_one(self, case_id: int, now: datetime, report: DeadlineReport) -> None:
        leads = self._settings.reminder_leads
        with self._uow() as uow:
            case = uow.cases.get(case_id, for_update=True)
            if case is None or case.next_check_at is None or case.next_check_at > now:
                return  # another worker handled it meanwhile
            if not case.state.deadline_runs:
                uow.cases.save(replace(case, next_check_at=None))
                uow.commit()
                return
            decision = check_deadline(case.clock, ladder=case.ladder, rung=case.rung, now=now,
                                      leads=leads)
            if decision.step is DeadlineStep.REMIND:
                self._remind(uow, case)
                report.reminded.append(case.reference)
            elif decision.step is DeadlineStep.ESCALATE:
                self._escalate(uow, case, decision, now)
                report.escalated.append(case.reference)
            elif decision.step is DeadlineStep.EXHAUSTED:
                self._exhausted(uow, case, now)
                report.exhausted.append(case.reference)
            else:
                uow.cases.save(replace(case, next_check_at=next_check_at(case.clock, leads)))
            uow.commit()

    def _remind(self, uow: UnitOfWork, case: Case) -> None:
        queue_case_notice(uow, self._clock, case, NoticeKind.REMINDER, complaint_id=None,
                          requested_by=SYSTEM_ACTOR)
        clock = replace(case.clock, reminders_sent=case.clock.reminders_sent + 1)
        uow.cases.save(replace(case, clock=clock, next_check_at=next_check_at(
            clock, self._settings.reminder_leads)))
        record(uow, self._clock, actor=SYSTEM_ACTOR, action="case.remind", subject_type="case",
               subject_id=case.id, data={"reference": case.reference,
                                         "due_at": case.clock.due_at()})

    def _escalate(self, uow: UnitOfWork, case: Case, decision: DeadlineDecision,
                  now: datetime) -> None:
        assert decision.next_action is not None and decision.next_rung == case.rung + 1
        reason = (f"the deadline of {case.reference} passed at "
                  f"{decision.due_at:%Y-%m-%d %H:%M} UTC; next rung: "
                  f"{decision.next_action.value}")
        escalate(uow, self._clock, case, reason=reason, leads=self._settings.reminder_leads,
                 now=now)

    def _exhausted(self, uow: UnitOfWork, case: Case, now: datetime) -> None:
        duration = describe_duration(case.deadline) if case.deadline else "its deadline"
        note = (f"the deadline ({duration}) passed on the last rung of the ladder "
                f"({case.ladder[-1].value if case.ladder else 'none'}); decide by hand")
        flag_exhausted(uow, self._clock, case, note=note, now=now)


def flag_exhausted(uow: UnitOfWork, clock: Clock, case: Case, *, note: str,
                   now: datetime) -> Case:
    """Stop the clock of a case past the last rung of its ladder and ask staff to decide."""
    saved = uow.cases.save(replace(case, clock=case.clock.stop(), next_check_at=None,
                                   attention=note, updated_at=now))
    record(uow, clock, actor=SYSTEM_ACTOR, action="case.ladder-exhausted",
           subject_type="case", subject_id=case.id, reason=note)
    return saved


def escalate(uow: UnitOfWork, clock: Clock, case: Case, *, reason: str,
             leads: Sequence[timedelta], now: datetime | None = None,
             actor: str = SYSTEM_ACTOR) -> Case:
    """Climb ``case`` to the next rung of its ladder now, inside the caller's transaction.

    What a passed deadline does (the periodic check calls this), and what a repeated
    breach calls for without waiting for one: a re-listing after a delisting (clause 3e).
    The next action is requested from enforcement (a termination waits for a second
    person), the customer is sent an escalation notice, the case becomes ``escalated`` (a
    suspended case stays ``suspended``) and a fresh period of its deadline starts. Past
    the last rung the case is flagged for staff instead. ``reason`` is recorded with each
    step. The case must not be in a final state (closed, dismissed, terminated).
    """
    now = now or clock.now()
    following = case.rung + 1
    if following >= len(case.ladder):
        last = case.ladder[-1].value if case.ladder else "none"
        return flag_exhausted(uow, clock, case, now=now, note=(
            f"{reason}; the ladder has no rung after {last}: decide by hand"))
    action = case.ladder[following]
    clock_period = case.clock.start(now, case.deadline)
    changes: dict[str, Any] = {
        "rung": following, "clock": clock_period,
        "next_check_at": next_check_at(clock_period, leads)}
    if case.state is CaseState.SUSPENDED:
        # A suspended case stays suspended while it climbs on towards termination.
        escalated = uow.cases.save(replace(case, updated_at=now, **changes))
        record(uow, clock, actor=actor, action="case.escalate", subject_type="case",
               subject_id=case.id, reason=reason,
               data={"rung": following, "action": action.value})
    else:
        escalated = move(uow, clock, case, CaseState.ESCALATED, actor=actor, reason=reason,
                         data={"rung": following, "action": action.value}, changes=changes,
                         at=now)
    if action is not Action.WARN:
        request = uow.enforcement.add_action(
            case_id=case.id, action=action, target=case.offender,
            status=initial_status(action), reason=reason, dry_run=False,
            requested_by=actor, at=now)
        record(uow, clock, actor=actor, action="enforcement.request",
               subject_type="case", subject_id=case.id, reason=reason,
               data={"action_id": request.id, "action": action.value,
                     "status": request.status.value})
    if not case.restricted:
        queue_case_notice(uow, clock, escalated, NoticeKind.ESCALATION,
                          complaint_id=None, requested_by=actor, serial="0")
    return escalated
