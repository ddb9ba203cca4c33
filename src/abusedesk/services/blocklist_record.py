"""Recording sweep results: listing state per zone and entry, its changes, the evidence.

``ListingRecorder`` is the sink of a recorded sweep. It loads the stored listings of the
swept zones once (only entries ever listed are stored, so this stays small); each result
is compared with what is known of its entry on its zone (``decide_transition``). An entry
never listed that is still not listed costs a dictionary look-up and writes nothing, and a
failed lookup changes nothing at all: it is only counted. The rest is written in batches,
off the event loop, one transaction per batch: the new state, a change row for each
transition, and for a new listing, a re-listing or changed return codes the evidence
complaint (``blocklist_evidence``). After each commit the new changes go to ``on_changes``
(the case consequences, ``blocklist_cases``), in the order they were seen, which returns
them as applied.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from abusedesk.domain.blocklists import (
    ListingChange,
    ListingDecision,
    ListingStatus,
    StoredListing,
    Transition,
    decide_transition,
)
from abusedesk.domain.blocklists_zones import LookupResult, Outcome, Zone
from abusedesk.domain.clock import Clock
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.blocklist_evidence import EvidenceFiler, PreparedEvidence

Key = tuple[str, str]  # (zone, entry)


@dataclass(slots=True)
class RecordTally:
    """What a recorded sweep did to the stored state."""

    transitions: Counter[Transition] = field(default_factory=Counter)
    changes: list[ListingChange] = field(default_factory=list)
    errors: int = 0  # failed lookups: nothing was changed for them


@dataclass(frozen=True, slots=True)
class _Plan:
    result: LookupResult
    decision: ListingDecision
    evidence: PreparedEvidence | None

    @property
    def key(self) -> Key:
        return self.result.zone, self.result.entry

    @property
    def is_change(self) -> bool:
        """Kept in the history of changes: what needs evidence, and a delisting."""
        return self.decision.transition is Transition.DELISTED or needs_evidence(self.decision)


def needs_evidence(decision: ListingDecision) -> bool:
    """A listing the case machinery must see: new, again, or with other return codes."""
    transition = decision.transition
    return transition in (Transition.NEW_LISTING, Transition.RELISTED) or (
        transition is Transition.STILL_LISTED and decision.codes_changed)


class ListingRecorder:
    """The sink of a recorded sweep; call ``load`` before and ``close`` after the sweep."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, zones: Sequence[Zone],
                 evidence: EvidenceFiler, *, sweep_id: int | None = None,
                 lease: timedelta = timedelta(minutes=15),
                 on_changes: Callable[[Sequence[ListingChange]],
                                      Sequence[ListingChange]] | None = None,
                 batch: int = 256, flush_seconds: float = 5.0,
                 renew_seconds: float = 60.0) -> None:
        self._uow = uow
        self._clock = clock
        self._zones = {zone.name: zone for zone in zones}
        self._evidence = evidence
        self._sweep_id = sweep_id
        self._lease = lease
        self._on_changes = on_changes
        self._batch = batch
        self._flush_seconds = flush_seconds
        self._renew_seconds = renew_seconds
        self._known: dict[Key, StoredListing] = {}
        self._pending: list[LookupResult] = []
        self._flushing = False
        self._lock = asyncio.Lock()
        self._last_flush = time.monotonic()
        self.tally = RecordTally()

    def load(self) -> None:
        """Read what is stored of the swept zones (the entries ever listed on them)."""
        with self._uow() as uow:
            stored = uow.blocklists.listings(zones=list(self._zones))
        self._known = {(listing.zone, listing.entry): listing for listing in stored}

    def __call__(self, result: LookupResult) -> Awaitable[None] | None:
        """Take one result; returns an awaitable only when a batch is due to be written."""
        if result.outcome is Outcome.ERROR:
            self.tally.errors += 1
        elif result.listed or (result.zone, result.entry) in self._known:
            self._pending.append(result)
        if self._flushing:
            return None
        elapsed = time.monotonic() - self._last_flush
        due = len(self._pending) >= self._batch or (
            bool(self._pending) and elapsed >= self._flush_seconds)
        if due or (self._sweep_id is not None and elapsed >= self._renew_seconds):
            self._flushing = True
            return self._flush()
        return None

    async def close(self) -> RecordTally:
        """Write what is still pending; returns the tally of the whole sweep."""
        self._flushing = True
        await self._flush()
        return self.tally

    async def _flush(self) -> None:
        try:
            async with self._lock:
                batch, self._pending = self._pending, []
                await asyncio.to_thread(self.write, batch)
        finally:
            self._last_flush = time.monotonic()
            self._flushing = False

    # -- writing (in a worker thread) ------------------------------------------------------
    def write(self, batch: Sequence[LookupResult]) -> list[ListingChange]:
        """Decide, store and hand on one batch of results; returns its changes (as applied
        when ``on_changes`` applies them)."""
        plans = self._plan(batch)
        changes: list[ListingChange] = []
        saved: dict[Key, StoredListing] = {}
        with self._uow() as uow:
            touched = []
            for plan in plans:
                current = saved.get(plan.key) or self._known.get(plan.key)
                if current is not None and _unchanged(current, plan):
                    # Checked again and seen as before: only "last checked" moves (most of
                    # a steady-state sweep's writes, made in one statement).
                    touched.append((current.id, plan.result.checked_at))
                    saved[plan.key] = replace(current, last_checked=plan.result.checked_at)
                    self.tally.transitions[plan.decision.transition] += 1
                    continue
                complaint_id = self._evidence.store(uow, plan.evidence) if plan.evidence else None
                listing = uow.blocklists.save_listing(_next_state(current, plan, complaint_id))
                saved[plan.key] = listing
                self.tally.transitions[plan.decision.transition] += 1
                if plan.is_change:
                    changes.append(uow.blocklists.add_change(ListingChange(
                        id=0, listing_id=listing.id, zone=listing.zone, entry=listing.entry,
                        transition=plan.decision.transition, observed_at=plan.result.checked_at,
                        codes=plan.result.codes, meanings=plan.result.meanings,
                        txt=plan.result.txt, complaint_id=complaint_id,
                        prior_case_id=current.case_id if current is not None and
                        plan.decision.transition is Transition.RELISTED else None,
                        sweep_id=self._sweep_id)))
            uow.blocklists.touch(touched)
            if self._sweep_id is not None:
                uow.blocklists.renew_sweep(self._sweep_id, self._clock.now() + self._lease)
            uow.commit()
        self._known.update(saved)
        if changes and self._on_changes is not None:
            changes = list(self._on_changes(changes))
        self.tally.changes.extend(changes)
        return changes

    def _plan(self, batch: Sequence[LookupResult]) -> list[_Plan]:
        """Decide every result against the latest known state (earlier results of the batch
        included, should a target be swept twice), and prepare evidence outside any
        transaction: classifying and resolving read the database on their own."""
        plans: list[_Plan] = []
        latest: dict[Key, ListingDecision] = {}
        for result in batch:
            key = (result.zone, result.entry)
            known = self._known.get(key)
            previous = latest[key].history if key in latest else (
                known.history if known is not None else None)
            decision = decide_transition(previous, result)
            if decision.transition is Transition.ERROR or (
                    previous is None and decision.transition is Transition.STILL_CLEAN):
                continue
            latest[key] = decision
            zone = self._zones[result.zone]
            evidence = self._evidence.prepare(result, zone, decision) \
                if needs_evidence(decision) else None
            plans.append(_Plan(result, decision, evidence))
        return plans


def _unchanged(current: StoredListing, plan: _Plan) -> bool:
    """Seen as stored: still listed with the same answer, or still not listed."""
    transition, result = plan.decision.transition, plan.result
    if transition is Transition.STILL_CLEAN:
        return True
    return transition is Transition.STILL_LISTED and (result.codes, result.meanings,
                                                      result.txt) == (current.codes,
                                                                      current.meanings,
                                                                      current.txt)


def _next_state(current: StoredListing | None, plan: _Plan,
                complaint_id: int | None) -> StoredListing:
    """The stored listing after ``plan``: the decided history, and the latest answer while
    listed (a delisting keeps the last listing's codes and TXT as they were)."""
    result, history = plan.result, plan.decision.history
    listed = history.status is ListingStatus.LISTED
    base = current or StoredListing(
        id=0, zone=result.zone, entry=result.entry, asset=result.asset or result.entry,
        status=history.status, codes=(), meanings=(), txt=(), evidence="",
        first_listed_at=result.checked_at, listed_since=None, delisted_at=None,
        last_checked=result.checked_at, listings=0)
    updated = replace(
        base, status=history.status, listed_since=history.listed_since,
        delisted_at=history.delisted_at, listings=history.listings,
        last_checked=history.last_checked or result.checked_at,
        asset=result.asset or base.asset)
    if listed and result.listed:
        updated = replace(updated, codes=result.codes, meanings=result.meanings,
                          txt=result.txt, evidence=result.evidence)
    if complaint_id is not None:
        updated = replace(updated, complaint_id=complaint_id)
    return updated
