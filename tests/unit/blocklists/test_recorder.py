"""The recorder of a sweep over an in-memory store: what is written for each kind of result.

Never-listed clean entries and failed lookups write nothing; listings are stored with their
evidence; a delisting keeps the last listing's codes; a target swept twice in one batch is
decided in order. (The SQL store and the case consequences are tested against both
databases in tests/integration/blocklists.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from abusedesk.domain.blocklists import ListingChange, ListingStatus, StoredListing, Transition
from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.blocklists_zones import ErrorKind, LookupResult, Outcome, Zone
from abusedesk.domain.clock import FrozenClock
from abusedesk.services.blocklist_record import ListingRecorder

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ZONE = Zone("ips", "ips.example", frozenset({TargetKind.IPV4}))


class MemoryListings:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], StoredListing] = {}
        self.changes: list[ListingChange] = []
        self.renewed: list[tuple[int, datetime]] = []

    def listings(self, *, zones: Collection[str] | None = None, **_: Any) -> list[StoredListing]:
        return [row for row in self.rows.values() if zones is None or row.zone in zones]

    def save_listing(self, listing: StoredListing) -> StoredListing:
        if listing.id == 0:
            listing = replace(listing, id=len(self.rows) + 1)
        self.rows[(listing.zone, listing.entry)] = listing
        return listing

    def touch(self, checked: Sequence[tuple[int, datetime]]) -> None:
        by_id = {row.id: key for key, row in self.rows.items()}
        for listing_id, at in checked:
            key = by_id[listing_id]
            self.rows[key] = replace(self.rows[key], last_checked=at)

    def add_change(self, change: ListingChange) -> ListingChange:
        change = replace(change, id=len(self.changes) + 1)
        self.changes.append(change)
        return change

    def renew_sweep(self, sweep_id: int, lease_until: datetime) -> None:
        self.renewed.append((sweep_id, lease_until))


class MemoryUnit:
    def __init__(self, store: MemoryListings) -> None:
        self.blocklists = store
        self.commits = 0

    def __enter__(self) -> MemoryUnit:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


class CountingEvidence:
    """Stands in for the evidence filer: each listing gets the next complaint id."""

    def __init__(self) -> None:
        self.prepared: list[tuple[str, Transition]] = []

    def prepare(self, result: LookupResult, zone: Zone, decision: Any) -> Any:
        self.prepared.append((result.entry, decision.transition))
        return len(self.prepared)

    def store(self, uow: Any, prepared: Any) -> int:
        return 100 + int(prepared)


def listed(entry: str, *codes: str, at: datetime = AT) -> LookupResult:
    return LookupResult("ips", entry, f"q.{entry}", Outcome.LISTED, at, codes=codes,
                        meanings=tuple(f"meaning of {code}" for code in codes),
                        txt=(f"listed {entry}",), evidence=f"answer for {entry}")


def clean(entry: str, at: datetime = AT) -> LookupResult:
    return LookupResult("ips", entry, f"q.{entry}", Outcome.NOT_LISTED, at)


def failed(entry: str, at: datetime = AT) -> LookupResult:
    return LookupResult("ips", entry, f"q.{entry}", Outcome.ERROR, at, error=ErrorKind.TIMEOUT)


def record(store: MemoryListings, results: Sequence[LookupResult], *,
           evidence: CountingEvidence | None = None, batch: int = 256,
           sweep_id: int | None = None) -> tuple[ListingRecorder, list[ListingChange]]:
    recorder = ListingRecorder(lambda: MemoryUnit(store), FrozenClock(AT), [ZONE],  # type: ignore[arg-type,return-value]
                               evidence or CountingEvidence(), batch=batch,  # type: ignore[arg-type]
                               sweep_id=sweep_id)
    recorder.load()

    async def run() -> None:
        for result in results:
            waiting = recorder(result)
            if waiting is not None:
                await waiting
        await recorder.close()

    asyncio.run(run())
    return recorder, list(recorder.tally.changes)


def test_clean_entries_and_failures_write_nothing() -> None:
    store = MemoryListings()
    recorder, changes = record(store, [clean("192.0.2.1"), failed("192.0.2.2"),
                                       clean("192.0.2.3")])
    assert store.rows == {} and changes == []
    assert recorder.tally.errors == 1 and not recorder.tally.transitions


def test_a_listing_is_stored_with_its_evidence_complaint() -> None:
    store, evidence = MemoryListings(), CountingEvidence()
    _, changes = record(store, [clean("192.0.2.1"), listed("192.0.2.10", "127.0.0.4")],
                        evidence=evidence)
    listing = store.rows[("ips", "192.0.2.10")]
    assert (listing.status, listing.codes, listing.listings) == (
        ListingStatus.LISTED, ("127.0.0.4",), 1)
    assert listing.first_listed_at == listing.listed_since == AT
    assert listing.complaint_id == 101 and listing.txt == ("listed 192.0.2.10",)
    (change,) = changes
    assert (change.transition, change.complaint_id) == (Transition.NEW_LISTING, 101)
    assert evidence.prepared == [("192.0.2.10", Transition.NEW_LISTING)]


def test_delisting_keeps_the_last_codes_and_failures_do_not_delist() -> None:
    store = MemoryListings()
    record(store, [listed("192.0.2.10", "127.0.0.4")])
    later = AT + timedelta(hours=6)
    _, changes = record(store, [failed("192.0.2.10", later)])
    assert changes == [] and store.rows[("ips", "192.0.2.10")].last_checked == AT
    evidence = CountingEvidence()
    _, changes = record(store, [clean("192.0.2.10", later)], evidence=evidence)
    listing = store.rows[("ips", "192.0.2.10")]
    assert listing.status is ListingStatus.DELISTED and listing.delisted_at == later
    assert listing.codes == ("127.0.0.4",) and listing.complaint_id == 101
    assert [change.transition for change in changes] == [Transition.DELISTED]
    assert evidence.prepared == []  # a delisting needs no evidence complaint


def test_other_codes_while_listed_are_new_evidence_and_same_codes_are_not() -> None:
    store = MemoryListings()
    record(store, [listed("192.0.2.10", "127.0.0.4")])
    later = AT + timedelta(hours=6)
    evidence = CountingEvidence()
    _, same = record(store, [listed("192.0.2.10", "127.0.0.4", at=later)], evidence=evidence)
    assert same == [] and evidence.prepared == []
    assert store.rows[("ips", "192.0.2.10")].last_checked == later
    _, moved = record(store, [listed("192.0.2.10", "127.0.0.2", "127.0.0.4", at=later)],
                      evidence=evidence)
    assert [(c.transition, c.codes) for c in moved] == [
        (Transition.STILL_LISTED, ("127.0.0.2", "127.0.0.4"))]
    assert evidence.prepared == [("192.0.2.10", Transition.STILL_LISTED)]


def test_a_relisting_names_the_case_of_the_earlier_listing() -> None:
    store = MemoryListings()
    record(store, [listed("192.0.2.10", "127.0.0.4")])
    key = ("ips", "192.0.2.10")
    store.rows[key] = replace(store.rows[key], case_id=42)  # what applying the change did
    record(store, [clean("192.0.2.10", AT + timedelta(hours=6))])
    _, changes = record(store, [listed("192.0.2.10", "127.0.0.2", at=AT + timedelta(hours=12))])
    (change,) = changes
    assert change.transition is Transition.RELISTED and change.prior_case_id == 42
    assert store.rows[key].listings == 2 and store.rows[key].delisted_at is not None


def test_a_target_swept_twice_in_a_batch_is_decided_in_order() -> None:
    store = MemoryListings()
    _, changes = record(store, [listed("192.0.2.10", "127.0.0.4"),
                                listed("192.0.2.10", "127.0.0.4")])
    assert [change.transition for change in changes] == [Transition.NEW_LISTING]
    assert store.rows[("ips", "192.0.2.10")].listings == 1


def test_batches_are_written_as_they_fill_and_renew_the_sweep_lease() -> None:
    store = MemoryListings()
    results = [listed(f"192.0.2.{n}", "127.0.0.2") for n in range(1, 8)]
    _, changes = record(store, results, batch=3, sweep_id=9)
    assert len(changes) == 7 and len(store.rows) == 7
    assert len(store.renewed) == 3  # two full batches and the rest at the end
    assert all(sweep == 9 and until > AT for sweep, until in store.renewed)
