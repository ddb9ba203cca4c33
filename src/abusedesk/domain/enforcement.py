"""Enforcement: action requests, two-person approval, dry runs, lifting, and charges.

An action (``Action`` from the policy: warn, block a host, suspend, remove content,
remove access, terminate) is requested for a case, approved (termination needs a second
person, never the requester), then carried out by an executor or simulated in a dry run.
Suspensions, blocks and removals of access can be lifted. Time and materials spent on a
case are recorded as charges and exported as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from abusedesk.domain.cases import CaseState
from abusedesk.domain.errors import Conflict, InvalidInput
from abusedesk.domain.policy import Action


class ActionStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"  # may be executed
    EXECUTING = "executing"  # handed to its executor; the outcome is not recorded yet
    DONE = "done"
    SIMULATED = "simulated"  # dry run: the executor was asked what it would do
    FAILED = "failed"
    LIFTED = "lifted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self][0]

    @property
    def colour(self) -> str:
        return _STATUS_LABELS[self][1]


_STATUS_LABELS: Mapping[ActionStatus, tuple[str, str]] = {
    ActionStatus.AWAITING_APPROVAL: ("Awaiting approval", "yellow"),
    ActionStatus.APPROVED: ("Approved", "cyan"),
    ActionStatus.EXECUTING: ("Executing", "purple"),
    ActionStatus.DONE: ("Done", "green"),
    ActionStatus.SIMULATED: ("Simulated (dry run)", "gray"),
    ActionStatus.FAILED: ("Failed", "red"),
    ActionStatus.LIFTED: ("Lifted", "blue"),
    ActionStatus.CANCELLED: ("Cancelled", "light-gray"),
}

#: Actions a second person must approve before they run.
NEEDS_SECOND_APPROVER = frozenset({Action.TERMINATE})
#: Actions that can be undone by lifting them.
LIFTABLE = frozenset({Action.SUSPEND, Action.BLOCK_HOST, Action.REMOVE_ACCESS})
#: The case state an action leaves behind once done; absent actions leave it as it is.
STATE_AFTER: Mapping[Action, CaseState] = {
    Action.SUSPEND: CaseState.SUSPENDED,
    Action.BLOCK_HOST: CaseState.SUSPENDED,
    Action.REMOVE_ACCESS: CaseState.SUSPENDED,
    Action.TERMINATE: CaseState.TERMINATED,
}


@dataclass(frozen=True, slots=True)
class EnforcementAction:
    """One action against one case's customer, from request to outcome."""

    id: int
    case_id: int
    action: Action
    target: str
    status: ActionStatus
    requested_by: str
    requested_at: datetime
    reason: str
    dry_run: bool = False
    approved_by: str | None = None
    approved_at: datetime | None = None
    executed_at: datetime | None = None
    executor: str | None = None
    outcome: str | None = None
    lifted_by: str | None = None
    lifted_at: datetime | None = None
    lift_outcome: str | None = None


def initial_status(action: Action) -> ActionStatus:
    if action in NEEDS_SECOND_APPROVER:
        return ActionStatus.AWAITING_APPROVAL
    return ActionStatus.APPROVED


def approve(request: EnforcementAction, *, approver: str, at: datetime) -> EnforcementAction:
    """The request approved by ``approver``; the requester cannot approve their own request."""
    if request.status is not ActionStatus.AWAITING_APPROVAL:
        raise Conflict(f"action #{request.id} is {request.status.value}, not awaiting approval")
    if _same_person(approver, request.requested_by):
        raise Conflict(f"action #{request.id} ({request.action.value}) was requested by "
                       f"{request.requested_by}; a second person must approve it")
    return replace(request, status=ActionStatus.APPROVED, approved_by=approver, approved_at=at)


def check_executable(request: EnforcementAction) -> None:
    if request.status is ActionStatus.AWAITING_APPROVAL:
        raise Conflict(f"action #{request.id} ({request.action.value}) awaits a second "
                       "person's approval")
    if request.status is ActionStatus.EXECUTING:
        raise Conflict(f"action #{request.id} is already with its executor; if that process "
                       "died, check the target and record the outcome by hand")
    if request.status is not ActionStatus.APPROVED:
        raise Conflict(f"action #{request.id} is {request.status.value}; only approved "
                       "actions run")


def check_liftable(request: EnforcementAction) -> None:
    if request.action not in LIFTABLE:
        raise Conflict(f"{request.action.value} cannot be lifted; lift a suspension, "
                       "a host block or a removal of access")
    if request.status is not ActionStatus.DONE:
        raise Conflict(f"action #{request.id} is {request.status.value}; only a done "
                       "action can be lifted")


def _same_person(first: str, second: str) -> bool:
    return first.strip().lower() == second.strip().lower()


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """What an executor is told to do (or, with ``lift``, to undo)."""

    action_id: int
    action: Action
    target: str
    case_reference: str
    case_id: int
    customer_id: int
    clause_id: str
    requested_by: str
    approved_by: str | None
    dry_run: bool = False
    lift: bool = False

    @property
    def operation(self) -> str:
        """``apply``, or ``lift`` to undo the action."""
        return "lift" if self.lift else "apply"

    def as_payload(self) -> dict[str, object]:
        """The JSON document webhooks receive and commands find in their environment."""
        return {
            "action_id": self.action_id, "action": self.action.value, "target": self.target,
            "case": self.case_reference, "case_id": self.case_id,
            "customer_id": self.customer_id, "clause": self.clause_id,
            "requested_by": self.requested_by, "approved_by": self.approved_by,
            "dry_run": self.dry_run, "operation": self.operation,
        }


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    ok: bool
    detail: str
    executor: str


# -- charges -------------------------------------------------------------------------------

class ChargeKind(StrEnum):
    TIME = "time"  # quantity in hours
    MATERIALS = "materials"  # quantity in units


CENT = Decimal("0.01")


def parse_amount(value: str | Decimal, *, what: str) -> Decimal:
    """A non-negative decimal from user input; floats never touch money."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"{what} must be a non-negative number, not {value}")
    return amount


@dataclass(frozen=True, slots=True)
class Charge:
    id: int
    case_id: int
    kind: ChargeKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    currency: str
    recorded_by: str
    recorded_at: datetime

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


CHARGE_COLUMNS = ("case", "customer_id", "charge_id", "recorded_at", "kind", "description",
                  "quantity", "unit_price", "amount", "currency", "recorded_by")


def charges_csv(charges: Iterable[tuple[Charge, str, int]]) -> str:
    """CSV of ``(charge, case reference, customer id)`` rows, with a header line.

    Cells that a spreadsheet would run as a formula are prefixed with a quote.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CHARGE_COLUMNS)
    for charge, reference, customer_id in charges:
        writer.writerow([
            reference, customer_id, charge.id,
            charge.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"), charge.kind.value,
            _safe_cell(charge.description), str(charge.quantity), str(charge.unit_price),
            str(charge.amount), charge.currency, _safe_cell(charge.recorded_by),
        ])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
