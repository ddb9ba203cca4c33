"""Re-import rules for asset windows: idempotency, moves, releases, overlaps."""

from __future__ import annotations

from datetime import UTC, datetime

from abusedesk.domain.customers import AssetKind
from abusedesk.domain.customers_records import AssetEntry
from abusedesk.domain.customers_windows import StoredWindow, plan_windows

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
P = AssetKind.PREFIX
BLOCK = "198.51.100.0/26"


def day(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def entry(value: str, start: str | None = None, end: str | None = None,
          line: int = 2) -> AssetEntry:
    return AssetEntry(P, value, day(start), day(end), line)


def stored(window_id: int, ref: str, value: str, start: str | None = None,
           end: str | None = None) -> StoredWindow:
    return StoredWindow(window_id, ref, P, value, day(start), day(end))


def test_stating_the_same_windows_again_changes_nothing() -> None:
    windows = [stored(1, "X", BLOCK, None, None), stored(2, "X", "192.0.2.0/24", "2024-01-01"),
               stored(3, "X", "203.0.113.0/24", None, "2025-01-01")]
    plan = plan_windows({"X": [entry(BLOCK), entry("192.0.2.0/24", "2024-01-01"),
                               entry("203.0.113.0/24", None, "2025-01-01")]}, windows, NOW)
    assert (plan.creates, plan.ends, plan.deletes, plan.errors) == ([], {}, [], [])


def test_a_new_value_without_dates_is_held_since_always() -> None:
    plan = plan_windows({"X": [entry(BLOCK)]}, [], NOW)
    assert [(c.customer_ref, c.valid_from, c.valid_until) for c in plan.creates] == [
        ("X", None, None)]


def test_a_dated_claim_moves_the_block_and_closes_the_old_window_on_that_date() -> None:
    windows = [stored(1, "X", BLOCK, "2024-03-01")]
    plan = plan_windows({"Y": [entry(BLOCK, "2026-02-01")]}, windows, NOW)
    assert plan.errors == []
    assert plan.ends == {1: day("2026-02-01")}
    assert [(m.from_ref, m.to_ref, m.at) for m in plan.moves] == [("X", "Y", day("2026-02-01"))]
    assert [(c.customer_ref, c.valid_from) for c in plan.creates] == [("Y", day("2026-02-01"))]


def test_an_undated_claim_on_a_held_block_starts_at_the_import() -> None:
    windows = [stored(1, "X", BLOCK)]
    plan = plan_windows({"Y": [entry(BLOCK)]}, windows, NOW)
    assert plan.ends == {1: NOW}
    assert [(c.customer_ref, c.valid_from) for c in plan.creates] == [("Y", NOW)]


def test_a_value_the_record_no_longer_lists_is_released_not_deleted() -> None:
    windows = [stored(1, "X", BLOCK, "2024-01-01"), stored(2, "X", "192.0.2.0/24", "2027-01-01"),
               stored(3, "X", "203.0.113.0/24", "2020-01-01", "2021-01-01")]
    plan = plan_windows({"X": []}, windows, NOW)
    assert plan.ends == {1: NOW}           # open window closed now: history kept
    assert plan.deletes == [2]             # had not begun: dropped
    assert [w.id for w in plan.released] == [1]


def test_a_block_released_by_one_record_and_claimed_by_another_moves_on_the_claim_date() -> None:
    windows = [stored(1, "X", BLOCK)]
    plan = plan_windows({"X": [], "Y": [entry(BLOCK, "2026-02-01")]}, windows, NOW)
    assert plan.errors == []
    assert plan.ends == {1: day("2026-02-01")}
    assert plan.released == []


def test_overlapping_claims_in_one_file_are_rejected_on_the_later_line() -> None:
    plan = plan_windows({"X": [entry(BLOCK, line=3)], "Y": [entry(BLOCK, "2026-02-01", line=7)]},
                        [], NOW)
    assert [(e.line, e.ref) for e in plan.errors] == [(7, "Y")]
    assert "overlaps line 3" in plan.errors[0].message


def test_a_claim_into_a_closed_window_of_another_customer_is_an_error() -> None:
    windows = [stored(1, "X", BLOCK, "2024-01-01", "2026-06-01")]
    plan = plan_windows({"Y": [entry(BLOCK, "2026-02-01", line=4)]}, windows, NOW)
    assert [(e.line, e.ref) for e in plan.errors] == [(4, "Y")]
    assert "customer X" in plan.errors[0].message


def test_ending_a_window_before_it_starts_is_an_error() -> None:
    windows = [stored(1, "X", BLOCK)]
    plan = plan_windows({"Y": [entry(BLOCK, None, "2026-01-01")]}, windows, NOW)
    assert plan.errors and plan.creates == []


def test_changing_the_end_of_a_window_updates_it_in_place() -> None:
    windows = [stored(1, "X", BLOCK, "2024-01-01")]
    plan = plan_windows({"X": [entry(BLOCK, "2024-01-01", "2026-02-01")]}, windows, NOW)
    assert plan.ends == {1: day("2026-02-01")} and plan.creates == [] and plan.updated == 1
