"""Two-person approval, lifting, and charges with their CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from abusedesk.domain.enforcement import (
    CHARGE_COLUMNS,
    ActionStatus,
    Charge,
    ChargeKind,
    EnforcementAction,
    approve,
    charges_csv,
    check_executable,
    check_liftable,
    initial_status,
    parse_amount,
)
from abusedesk.domain.errors import Conflict, InvalidInput
from abusedesk.domain.policy import Action

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def request(action: Action, *, status: ActionStatus | None = None,
            by: str = "ann") -> EnforcementAction:
    return EnforcementAction(1, 9, action, "192.0.2.10", status or initial_status(action), by,
                             T0, "deadline passed")


def test_only_termination_waits_for_a_second_person() -> None:
    assert initial_status(Action.TERMINATE) is ActionStatus.AWAITING_APPROVAL
    for action in (Action.SUSPEND, Action.BLOCK_HOST, Action.REMOVE_CONTENT,
                   Action.REMOVE_ACCESS, Action.WARN):
        assert initial_status(action) is ActionStatus.APPROVED


def test_the_requester_cannot_approve_their_own_termination() -> None:
    pending = request(Action.TERMINATE, by="Ann")
    with pytest.raises(Conflict, match="second person"):
        approve(pending, approver=" ann ", at=T0)
    with pytest.raises(Conflict, match="awaits"):
        check_executable(pending)
    approved = approve(pending, approver="bob", at=T0)
    assert (approved.status, approved.approved_by) == (ActionStatus.APPROVED, "bob")
    check_executable(approved)
    with pytest.raises(Conflict, match="not awaiting approval"):
        approve(approved, approver="carol", at=T0)


def test_only_done_suspensions_blocks_and_access_removals_can_be_lifted() -> None:
    check_liftable(request(Action.SUSPEND, status=ActionStatus.DONE))
    check_liftable(request(Action.BLOCK_HOST, status=ActionStatus.DONE))
    with pytest.raises(Conflict, match="cannot be lifted"):
        check_liftable(request(Action.TERMINATE, status=ActionStatus.DONE))
    with pytest.raises(Conflict, match="only a done action"):
        check_liftable(request(Action.SUSPEND, status=ActionStatus.SIMULATED))


def test_an_action_already_with_its_executor_does_not_run_twice() -> None:
    with pytest.raises(Conflict, match="already with its executor"):
        check_executable(request(Action.SUSPEND, status=ActionStatus.EXECUTING))


@pytest.mark.parametrize("bad", ["-1", "abc", "NaN", "Infinity", ""])
def test_amounts_must_be_non_negative_numbers(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(bad, what="quantity")


def test_charges_export_as_csv_with_exact_amounts_and_no_formulas() -> None:
    charges = [
        (Charge(1, 9, ChargeKind.TIME, "investigation", Decimal("1.5"), Decimal("95.00"), "USD",
                "ann", T0), "AD-2026-000009", 3),
        (Charge(2, 9, ChargeKind.MATERIALS, "=HYPERLINK(\"http://evil\")", Decimal("3"),
                Decimal("0.335"), "USD", "bob", T0), "AD-2026-000009", 3),
    ]
    rows = list(csv.reader(io.StringIO(charges_csv(charges))))
    assert tuple(rows[0]) == CHARGE_COLUMNS
    assert rows[1][CHARGE_COLUMNS.index("amount")] == "142.50"
    assert rows[2][CHARGE_COLUMNS.index("amount")] == "1.01"  # 1.005 rounds half up
    assert rows[2][CHARGE_COLUMNS.index("description")].startswith("'=")
    assert rows[1][CHARGE_COLUMNS.index("recorded_at")] == "2026-03-02T09:30:00Z"
