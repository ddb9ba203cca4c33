"""Enforcement as a use case: request, approve, execute (or simulate), lift, charge.

An action is requested for a case (by staff, or by the deadline check climbing the
ladder). Termination waits for a second person; everything else may run at once. Running
hands an ``ExecutionRequest`` to the executor configured for the action (a signed webhook,
a command, or "by hand" when none is configured) outside any transaction: the action is
first marked ``executing``, then its outcome recorded, so a slow executor never holds the
database and a crash in between is visible. In a dry run the executor only says what it
would do. A done action moves the case (``suspended``, ``terminated``); lifting undoes a
suspension, a block or a removal of access.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from abusedesk.domain.cases import CaseState, can_transition
from abusedesk.domain.cases_model import Case
from abusedesk.domain.cases_ports import Executor, ExecutorFor
from abusedesk.domain.clock import Clock
from abusedesk.domain.enforcement import (
    LIFTABLE,
    STATE_AFTER,
    ActionStatus,
    Charge,
    ChargeKind,
    EnforcementAction,
    ExecutionRequest,
    ExecutionResult,
    approve,
    charges_csv,
    check_executable,
    check_liftable,
    initial_status,
    parse_amount,
)
from abusedesk.domain.errors import AbuseDeskError, Conflict, InvalidInput, NotFound
from abusedesk.domain.notices import NoticeKind
from abusedesk.domain.policy import Action
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import record
from abusedesk.services.cases import find_case, move
from abusedesk.services.cases_queue import queue_case_notice


class EnforcementService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *,
                 executor_for: ExecutorFor, dry_run: bool = False,
                 leads: Sequence[timedelta] = ()) -> None:
        self._uow = uow
        self._clock = clock
        self._executor_for = executor_for
        self._dry_run = dry_run
        self._leads = tuple(leads)

    # -- requests and approval -------------------------------------------------------------
    def request(self, reference: str, action: Action, *, actor: str, reason: str,
                dry_run: bool | None = None, execute: bool = True) -> EnforcementAction:
        """Request ``action`` for a case; run it at once when it needs no second approver.

        A warning is a notice: it is queued to the customer and the action is done.
        """
        dry = self._dry_run if dry_run is None else dry_run
        with self._uow() as uow:
            case = find_case(uow, reference, for_update=True)
            if case.state.is_final:
                raise Conflict(f"case {case.reference} is {case.state.value}; reopen it first")
            status = initial_status(action)
            if action is Action.WARN:
                status = ActionStatus.SIMULATED if dry else ActionStatus.DONE
            requested = uow.enforcement.add_action(
                case_id=case.id, action=action, target=case.offender, status=status,
                reason=reason, dry_run=dry, requested_by=actor, at=self._clock.now())
            record(uow, self._clock, actor=actor, action="enforcement.request",
                   subject_type="case", subject_id=case.id, reason=reason,
                   data={"action_id": requested.id, "action": action.value,
                         "status": status.value, "dry_run": dry})
            if action is Action.WARN:
                if not dry:
                    queue_case_notice(uow, self._clock, case, NoticeKind.NOTICE,
                                      complaint_id=None, requested_by=actor,
                                      serial=f"warn-{requested.id}")
                requested = uow.enforcement.save_action(replace(
                    requested, executed_at=self._clock.now(), executor="notice",
                    outcome="a warning notice was queued" if not dry else
                    "dry run: a warning notice would be queued"))
            uow.commit()
        if execute and requested.status is ActionStatus.APPROVED:
            return self.execute(requested.id, actor=actor)
        return requested

    def approve(self, action_id: int, *, approver: str, execute: bool = True) -> EnforcementAction:
        """Approve an action awaiting a second person (never its requester), then run it."""
        with self._uow() as uow:
            current = self._action(uow, action_id, for_update=True)
            approved = uow.enforcement.save_action(
                approve(current, approver=approver, at=self._clock.now()))
            record(uow, self._clock, actor=approver, action="enforcement.approve",
                   subject_type="case", subject_id=current.case_id,
                   data={"action_id": action_id, "action": current.action.value,
                         "requested_by": current.requested_by})
            uow.commit()
        return self.execute(action_id, actor=approver) if execute else approved

    def cancel(self, action_id: int, *, actor: str, reason: str) -> EnforcementAction:
        with self._uow() as uow:
            current = self._action(uow, action_id, for_update=True)
            if current.status not in (ActionStatus.AWAITING_APPROVAL, ActionStatus.APPROVED):
                raise Conflict(f"action #{action_id} is {current.status.value}; only actions "
                               "not yet run can be cancelled")
            cancelled = uow.enforcement.save_action(replace(
                current, status=ActionStatus.CANCELLED, outcome=f"cancelled: {reason}"))
            record(uow, self._clock, actor=actor, action="enforcement.cancel",
                   subject_type="case", subject_id=current.case_id, reason=reason,
                   data={"action_id": action_id})
            uow.commit()
        return cancelled

    # -- execution ---------------------------------------------------------------------------
    def execute(self, action_id: int, *, actor: str) -> EnforcementAction:
        """Run an approved action through its executor (or describe it, in a dry run)."""
        with self._uow() as uow:
            current, case, executor = self._to_run(uow, action_id, check_executable)
            request = _request(current, case, lift=False)
            if not current.dry_run:
                uow.enforcement.save_action(replace(current, status=ActionStatus.EXECUTING,
                                                    executor=executor.name))
                uow.commit()
        result = self._run(executor, request, dry=current.dry_run)
        with self._uow() as uow:
            status = ActionStatus.SIMULATED if current.dry_run else (
                ActionStatus.DONE if result.ok else ActionStatus.FAILED)
            done = uow.enforcement.save_action(replace(
                current, status=status, executed_at=self._clock.now(),
                executor=result.executor, outcome=result.detail[:4000]))
            record(uow, self._clock, actor=actor, action="enforcement.execute",
                   subject_type="case", subject_id=case.id, reason=current.reason,
                   data={"action_id": action_id, "action": current.action.value,
                         "status": status.value, "executor": result.executor,
                         "outcome": result.detail[:500], "dry_run": current.dry_run})
            after = STATE_AFTER.get(current.action)
            if status is ActionStatus.DONE and after is not None:
                self._case_to(uow, case.id, after, actor=actor,
                              reason=f"{current.action.value} #{action_id} carried out")
            uow.commit()
        return done

    def lift(self, action_id: int, *, actor: str, reason: str) -> EnforcementAction:
        """Undo a suspension, host block or removal of access through its executor."""
        with self._uow() as uow:
            current, case, executor = self._to_run(uow, action_id, check_liftable)
        request = _request(current, case, lift=True)
        result = self._run(executor, request, dry=self._dry_run)
        if self._dry_run or not result.ok:
            with self._uow() as uow:
                record(uow, self._clock, actor=actor, action="enforcement.lift-attempt",
                       subject_type="case", subject_id=case.id, reason=reason,
                       data={"action_id": action_id, "ok": result.ok, "dry_run": self._dry_run,
                             "outcome": result.detail[:500]})
                uow.commit()
            if not result.ok:
                raise Conflict(f"lifting action #{action_id} failed: {result.detail}")
            return current
        with self._uow() as uow:
            lifted = uow.enforcement.save_action(replace(
                current, status=ActionStatus.LIFTED, lifted_by=actor,
                lifted_at=self._clock.now(), lift_outcome=result.detail[:4000]))
            record(uow, self._clock, actor=actor, action="enforcement.lift",
                   subject_type="case", subject_id=case.id, reason=reason,
                   data={"action_id": action_id, "action": current.action.value,
                         "executor": result.executor})
            still = [a for a in uow.enforcement.actions(case_id=case.id,
                                                        statuses=(ActionStatus.DONE,))
                     if a.action in LIFTABLE]
            if not still:
                self._case_to(uow, case.id, CaseState.AWAITING_CUSTOMER, actor=actor,
                              reason=f"{current.action.value} #{action_id} lifted",
                              only_from=CaseState.SUSPENDED)
            uow.commit()
        return lifted

    def _to_run(self, uow: UnitOfWork, action_id: int,
                check: Callable[[EnforcementAction], None]
                ) -> tuple[EnforcementAction, Case, Executor]:
        """The action (locked, and passed by ``check``), its case and its executor."""
        current = self._action(uow, action_id, for_update=True)
        check(current)
        case = uow.cases.get(current.case_id)
        assert case is not None
        return current, case, self._executor_for(current.action)

    def _run(self, executor: Executor, request: ExecutionRequest, *, dry: bool) -> ExecutionResult:
        if dry:
            return ExecutionResult(True, f"dry run: {executor.describe(request)}", executor.name)
        try:
            return executor.execute(request)
        except AbuseDeskError as error:
            return ExecutionResult(False, str(error), executor.name)

    def _case_to(self, uow: UnitOfWork, case_id: int, to: CaseState, *, actor: str,
                 reason: str, only_from: CaseState | None = None) -> None:
        case = uow.cases.get(case_id, for_update=True)
        if case is None or case.state is to or (only_from and case.state is not only_from):
            return
        if can_transition(case.state, to):
            move(uow, self._clock, case, to, actor=actor, reason=reason, leads=self._leads)

    # -- reading and charges --------------------------------------------------------------
    def actions(self, reference: str | None = None, *,
                statuses: Sequence[ActionStatus] = ()) -> Sequence[EnforcementAction]:
        with self._uow() as uow:
            case_id = find_case(uow, reference).id if reference else None
            return uow.enforcement.actions(case_id=case_id, statuses=statuses)

    def add_charge(self, reference: str, *, kind: ChargeKind, description: str,
                   quantity: str, unit_price: str, currency: str, actor: str) -> Charge:
        """Record time (quantity in hours) or materials spent on a case."""
        amount_q = parse_amount(quantity, what="quantity")
        amount_p = parse_amount(unit_price, what="unit price")
        currency = currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidInput(f"currency {currency!r} is not an ISO 4217 code like EUR or USD")
        if not description.strip():
            raise InvalidInput("describe the charge (what was done or used)")
        with self._uow() as uow:
            case = find_case(uow, reference)
            charge = uow.enforcement.add_charge(
                case_id=case.id, kind=kind, description=description.strip()[:2000],
                quantity=str(amount_q), unit_price=str(amount_p), currency=currency, by=actor,
                at=self._clock.now())
            record(uow, self._clock, actor=actor, action="case.charge", subject_type="case",
                   subject_id=case.id, data={"charge_id": charge.id, "kind": kind.value,
                                             "amount": str(charge.amount), "currency": currency})
            uow.commit()
        return charge

    def charges_csv(self, *, reference: str | None = None, since: datetime | None = None,
                    until: datetime | None = None) -> str:
        with self._uow() as uow:
            case_id = find_case(uow, reference).id if reference else None
            return charges_csv(uow.enforcement.charges(case_id=case_id, since=since, until=until))

    def _action(self, uow: UnitOfWork, action_id: int, *, for_update: bool) -> EnforcementAction:
        found = uow.enforcement.get_action(action_id, for_update=for_update)
        if found is None:
            raise NotFound(f"no enforcement action #{action_id}")
        return found


def _request(action: EnforcementAction, case: Case, *, lift: bool) -> ExecutionRequest:
    return ExecutionRequest(
        action_id=action.id, action=action.action, target=action.target,
        case_reference=case.reference, case_id=case.id, customer_id=case.customer_id,
        clause_id=case.clause_id, requested_by=action.requested_by,
        approved_by=action.approved_by, dry_run=action.dry_run, lift=lift)
