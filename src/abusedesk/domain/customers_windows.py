"""Reconciling the asset windows a file states with the windows already stored.

History is never rewritten by an import; it is only extended. The rules (docs/customers.md
tells users the same):

1. A window is known by (customer, kind, value, start). Stating it again with another
   end changes only the end; stating it the same way changes nothing.
2. An entry without a start means "the customer holds this now": it matches the
   customer's open window of that value. When there is none, a new window starts at the
   beginning of time if no customer ever held the value, otherwise at the import time.
3. A value that a customer's record no longer lists is released: its open window is
   closed at the import time (a window that had not begun yet is dropped).
4. A move: a new window of customer Y starting at T closes another customer's open
   window of the same value that began before T, at T. Any other overlap between two
   customers' windows of one value is an error, in the file or against storage.
5. One customer's own windows of a value may overlap (a corrected start date); they all
   name the same holder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from abusedesk.domain.customers import AssetKind
from abusedesk.domain.customers_records import AssetEntry, RowError

Key = tuple[AssetKind, str]


@dataclass(frozen=True, slots=True)
class StoredWindow:
    id: int
    customer_ref: str
    kind: AssetKind
    value: str
    valid_from: datetime | None
    valid_until: datetime | None


@dataclass(frozen=True, slots=True)
class NewWindow:
    customer_ref: str
    kind: AssetKind
    value: str
    valid_from: datetime | None
    valid_until: datetime | None
    line: int


@dataclass(frozen=True, slots=True)
class Move:
    kind: AssetKind
    value: str
    from_ref: str
    to_ref: str
    at: datetime


@dataclass(slots=True)
class WindowPlan:
    """What to write: new windows, new ends of stored windows, windows to drop."""

    creates: list[NewWindow] = field(default_factory=list)
    ends: dict[int, datetime | None] = field(default_factory=dict)  # window id -> new end
    deletes: list[int] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    released: list[StoredWindow] = field(default_factory=list)
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_keys: set[Key] = field(default_factory=set)


def _lo(moment: datetime | None) -> tuple[int, datetime | None]:
    return (0, None) if moment is None else (1, moment)


def _hi(moment: datetime | None) -> tuple[int, datetime | None]:
    return (2, None) if moment is None else (1, moment)


def overlaps(a_from: datetime | None, a_until: datetime | None,
             b_from: datetime | None, b_until: datetime | None) -> bool:
    """Whether two half-open windows share a moment (None: unbounded)."""
    return _lo(a_from) < _hi(b_until) and _lo(b_from) < _hi(a_until)


def _describe(valid_from: datetime | None, valid_until: datetime | None) -> str:
    start = f"from {valid_from:%Y-%m-%d %H:%M}" if valid_from else "from the beginning"
    end = f"until {valid_until:%Y-%m-%d %H:%M}" if valid_until else "with no end"
    return f"{start} {end}"


def plan_windows(claims: Mapping[str, Sequence[AssetEntry]], stored: Sequence[StoredWindow],
                 now: datetime) -> WindowPlan:
    """Plan the changes for the customers in ``claims`` (ref -> entries of its record).

    ``stored`` must hold every stored window of those customers and every stored window
    of any value they list. Errors name the entry's line; the caller rejects that
    customer's record and plans again without it.
    """
    plan = WindowPlan()
    _check_file_overlaps(claims, plan)
    if plan.errors:
        return plan
    state: dict[int, StoredWindow] = {w.id: w for w in stored}
    by_value: dict[Key, list[int]] = defaultdict(list)
    for window in stored:
        by_value[(window.kind, window.value)].append(window.id)

    by_customer: dict[tuple[str, AssetKind, str], list[StoredWindow]] = defaultdict(list)
    of_customer: dict[str, list[StoredWindow]] = defaultdict(list)
    for window in stored:
        by_customer[(window.customer_ref, window.kind, window.value)].append(window)
        of_customer[window.customer_ref].append(window)
    pending: list[tuple[str, AssetEntry]] = []
    to_release: set[int] = set()
    for ref, entries in claims.items():
        matched: set[int] = set()
        for entry in entries:
            found = _match(entry, by_customer.get((ref, entry.kind, entry.value), []), matched)
            if found is None:
                pending.append((ref, entry))
                continue
            matched.add(found.id)
            if found.valid_until != entry.valid_until:
                state[found.id] = replace(found, valid_until=entry.valid_until)
                plan.ends[found.id] = entry.valid_until
                plan.updated += 1
                _check_extension(state[found.id], by_value, state, entry, plan)
        for window in of_customer.get(ref, []):
            if window.id in matched:
                continue
            if window.valid_from is not None and window.valid_from >= now:
                plan.deletes.append(window.id)  # planned, never began: nothing to keep
                del state[window.id]
            elif window.valid_until is None:
                to_release.add(window.id)

    for ref, entry in sorted(pending, key=lambda item: item[1].line):
        _add(ref, entry, now, state, by_value, to_release, plan)

    for window_id in sorted(to_release):
        plan.ends[window_id] = now
        plan.released.append(state[window_id])
    return plan


def _match(entry: AssetEntry, mine: Sequence[StoredWindow],
           matched: set[int]) -> StoredWindow | None:
    for window in mine:
        if window.id in matched or (window.kind, window.value) != (entry.kind, entry.value):
            continue
        if entry.valid_from is not None or entry.valid_until is not None:
            if window.valid_from == entry.valid_from:
                return window
        elif window.valid_until is None:
            return window
    return None


def _add(ref: str, entry: AssetEntry, now: datetime, state: dict[int, StoredWindow],
         by_value: dict[Key, list[int]], to_release: set[int], plan: WindowPlan) -> None:
    key = (entry.kind, entry.value)
    others = [state[i] for i in by_value[key] if i in state]
    start = entry.valid_from
    if start is None and entry.valid_until is None and (others or key in plan.created_keys):
        start = now  # someone held it before: we only know it changed hands now
    if start is not None and entry.valid_until is not None and start >= entry.valid_until:
        plan.errors.append(RowError(entry.line, ref,
                                    f"{entry.value}: until {entry.valid_until:%Y-%m-%d %H:%M} "
                                    f"is not after the start {start:%Y-%m-%d %H:%M}"))
        return
    closes: list[StoredWindow] = []
    for other in others:
        if other.customer_ref == ref or not overlaps(start, entry.valid_until,
                                                     other.valid_from, other.valid_until):
            continue
        if (other.valid_until is None and start is not None
                and (other.valid_from is None or other.valid_from < start)):
            closes.append(other)
            continue
        plan.errors.append(RowError(
            entry.line, ref,
            f"{entry.value} {_describe(start, entry.valid_until)} overlaps the window of "
            f"customer {other.customer_ref} ({_describe(other.valid_from, other.valid_until)}); "
            "give dates that do not overlap"))
        return
    assert start is not None or not closes
    for other in closes:
        state[other.id] = replace(other, valid_until=start)
        plan.ends[other.id] = start
        to_release.discard(other.id)
        plan.moves.append(Move(entry.kind, entry.value, other.customer_ref, ref, start))  # type: ignore[arg-type]
    plan.creates.append(NewWindow(ref, entry.kind, entry.value, start, entry.valid_until,
                                  entry.line))
    plan.created_keys.add(key)


def _check_extension(window: StoredWindow, by_value: dict[Key, list[int]],
                     state: dict[int, StoredWindow], entry: AssetEntry, plan: WindowPlan) -> None:
    for other_id in by_value[(window.kind, window.value)]:
        other = state.get(other_id)
        if other is None or other.customer_ref == window.customer_ref:
            continue
        if overlaps(window.valid_from, window.valid_until, other.valid_from, other.valid_until):
            plan.errors.append(RowError(
                entry.line, window.customer_ref,
                f"{window.value} {_describe(window.valid_from, window.valid_until)} overlaps the "
                f"window of customer {other.customer_ref} "
                f"({_describe(other.valid_from, other.valid_until)})"))


def _check_file_overlaps(claims: Mapping[str, Sequence[AssetEntry]], plan: WindowPlan) -> None:
    """Two customers of one file may not hold one value at one moment; one customer may
    not state the same window twice."""
    by_value: dict[Key, list[tuple[str, AssetEntry]]] = defaultdict(list)
    for ref, entries in claims.items():
        for entry in entries:
            by_value[(entry.kind, entry.value)].append((ref, entry))
    for items in by_value.values():
        items.sort(key=lambda item: item[1].line)
        for later_index, (ref, entry) in enumerate(items):
            for earlier_ref, earlier in items[:later_index]:
                if earlier_ref == ref:
                    if (earlier.valid_from, earlier.valid_until) == (entry.valid_from,
                                                                     entry.valid_until):
                        plan.errors.append(RowError(entry.line, ref, f"{entry.value} is listed "
                                                    f"twice (also line {earlier.line})"))
                        break
                    continue
                if overlaps(earlier.valid_from, earlier.valid_until, entry.valid_from,
                            entry.valid_until):
                    plan.errors.append(RowError(
                        entry.line, ref,
                        f"{entry.value} {_describe(entry.valid_from, entry.valid_until)} overlaps "
                        f"line {earlier.line}, where customer {earlier_ref} holds it "
                        f"{_describe(earlier.valid_from, earlier.valid_until)}; give dates that "
                        "do not overlap"))
                    break
