"""Blocklist checks and sweeps: test the zones, then ask each zone about every target.

``BlocklistService`` takes its targets from an ``AssetSource`` port and its answers from a
``BlocklistResolver`` port, and hands every ``LookupResult`` to a sink as it comes (the
caller stores, prints or streams them); the returned ``SweepSummary`` counts them per zone.
Each zone runs ``concurrency`` workers paced by its ``rate_limit``; a zone that fails its
RFC 5782 test is not queried and each of its lookups is reported as a ``zone-unhealthy``
error, so that no failure ever reads as "not listed".
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from abusedesk.domain.blocklists_targets import (
    AssetSource,
    SweepTarget,
    entry_label,
    expand,
    parse_target,
    query_count,
    target_kind,
)
from abusedesk.domain.blocklists_zones import (
    BlocklistResolver,
    ErrorKind,
    LookupResult,
    Outcome,
    RecordType,
    Zone,
    ZoneHealth,
    ZoneHealthStatus,
    assess_health,
    interpret,
)
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import InvalidInput, NotFound, Remedy

Sink = Callable[[LookupResult], Awaitable[None] | None]
Progress = Callable[[int], None]
_PROGRESS_EVERY = 256  # results between two progress callbacks: a callback per query is costly


@dataclass(frozen=True, slots=True)
class SweepOptions:
    ipv6_prefixlen: int = 64  # IPv6 prefixes are asked once per /64 (how DNSBLs list them)
    max_queries_per_target: int = 1 << 20  # per zone; a bigger prefix is rejected, not cut
    health_check: bool = True


@dataclass(slots=True)
class ZoneTally:
    zone: str
    health: ZoneHealth
    queries: int = 0
    listed: int = 0
    not_listed: int = 0
    errors: Counter[ErrorKind] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, result: LookupResult) -> None:
        self.queries += 1
        if result.outcome is Outcome.NOT_LISTED:
            self.not_listed += 1
        elif result.outcome is Outcome.LISTED:
            self.listed += 1
        else:
            self.errors[result.error or ErrorKind.BAD_ANSWER] += 1


@dataclass(slots=True)
class SweepSummary:
    started_at: datetime
    finished_at: datetime | None = None
    zones: dict[str, ZoneTally] = field(default_factory=dict)
    targets: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (target, reason)
    seconds: float = 0.0

    @property
    def queries(self) -> int:
        return sum(tally.queries for tally in self.zones.values())

    @property
    def listed(self) -> int:
        return sum(tally.listed for tally in self.zones.values())

    @property
    def errors(self) -> int:
        return sum(sum(tally.errors.values()) for tally in self.zones.values())

    @property
    def rate(self) -> float:
        return self.queries / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class SweepPlan:
    targets: tuple[SweepTarget, ...]
    rejected: tuple[tuple[str, str], ...]
    queries: int  # lookups the sweep will report, over all zones


@dataclass(frozen=True, slots=True)
class CheckReport:
    entry: str
    health: dict[str, ZoneHealth]
    results: tuple[LookupResult, ...]


class StaticAssets:
    """An ``AssetSource`` over targets given up front (command line, file, test)."""

    def __init__(self, targets: Iterable[SweepTarget]) -> None:
        self._targets = tuple(targets)

    def targets(self) -> Iterable[SweepTarget]:
        return self._targets


def read_targets(lines: Iterable[str]) -> tuple[list[SweepTarget], list[tuple[str, str]]]:
    """Parse targets one per line (``#`` starts a comment); bad lines are returned, not lost."""
    targets: list[SweepTarget] = []
    rejected: list[tuple[str, str]] = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            targets.append(SweepTarget(parse_target(text)))
        except InvalidInput as error:
            rejected.append((text, str(error)))
    return targets, rejected


def select_zones(zones: Sequence[Zone], names: Sequence[str] = ()) -> list[Zone]:
    """The zones named (enabled or not), or every enabled zone when no name is given."""
    if not names:
        chosen = [zone for zone in zones if zone.enabled]
    else:
        by_name = {zone.name: zone for zone in zones}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise NotFound(
                f"unknown zone {', '.join(unknown)}; known zones: {', '.join(sorted(by_name))}"
            )
        chosen = [by_name[name] for name in dict.fromkeys(names)]
    if not chosen:
        raise InvalidInput("no blocklist zone is enabled: enable one, or name the zones to use",
                           remedy=Remedy.CHOOSE_ZONE)
    return chosen


class Pacer:
    """Spaces one zone's queries to at most ``rate`` per second (0: no limit).

    ``reserve(now)`` books the next slot and says how long to wait for it; a zone idle for a
    while may send a burst of up to ``burst`` queries at once, never more.
    """

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.burst = max(1, burst)
        self.next_at: float | None = None

    def reserve(self, now: float) -> float:
        if not self.interval:
            return 0.0
        earliest = now - (self.burst - 1) * self.interval
        if self.next_at is None or self.next_at < earliest:
            self.next_at = earliest
        wait = self.next_at - now
        self.next_at += self.interval
        return max(0.0, wait)


class BlocklistService:
    """Checks one entry or sweeps many targets against a set of zones."""

    def __init__(
        self,
        resolver: BlocklistResolver,
        zones: Sequence[Zone],
        clock: Clock,
        options: SweepOptions | None = None,
    ) -> None:
        self.resolver = resolver
        self.zones = list(zones)
        self.clock = clock
        self.options = options or SweepOptions()

    async def lookup(
        self,
        zone: Zone,
        entry: str,
        label: str,
        asset: str = "",
        ref: str | None = None,
        *,
        with_txt: bool = True,
    ) -> LookupResult:
        """Ask ``zone`` about one entry; a listing also fetches its TXT record as evidence."""
        name = f"{label}.{zone.domain}"
        answer = await self.resolver.query(zone, name, RecordType.A)
        result = interpret(zone, entry, name, answer, self.clock.now(), asset, ref)
        if result.listed and with_txt and zone.fetch_txt and not result.txt:
            txt = await self.resolver.query(zone, name, RecordType.TXT)
            if txt.texts:
                evidence = "\n".join(filter(None, (result.evidence, txt.evidence)))
                result = replace(result, txt=txt.texts, evidence=evidence)
        return result

    async def health(self, zones: Sequence[Zone] | None = None) -> dict[str, ZoneHealth]:
        """Run the RFC 5782 test of each zone, all zones at once."""
        chosen = list(zones if zones is not None else self.zones)

        async def probe(zone: Zone) -> ZoneHealth:
            if not self.options.health_check:
                return ZoneHealth(zone.name, ZoneHealthStatus.UNCHECKED, "health check skipped")
            listed, unlisted = await asyncio.gather(
                self.lookup(zone, zone.test_listed, entry_label(zone.test_listed)[1],
                            with_txt=False),
                self.lookup(zone, zone.test_unlisted, entry_label(zone.test_unlisted)[1],
                            with_txt=False),
            )
            return assess_health(zone, listed, unlisted)

        checked = await asyncio.gather(*(probe(zone) for zone in chosen))
        return {health.zone: health for health in checked}

    async def check(self, text: str) -> CheckReport:
        """Look one IP address or domain up in every zone that takes its kind."""
        target = parse_target(text)
        if not isinstance(target, str) and target.num_addresses != 1:
            raise InvalidInput(f"{text} is a prefix: check takes one address; use sweep")
        entry, label = next(expand(target))
        zones = [zone for zone in self.zones if zone.supports(target_kind(target))]
        if not zones:
            raise InvalidInput(f"no selected zone takes {target_kind(target)} entries")
        health = await self.health(zones)

        async def one(zone: Zone) -> LookupResult:
            if not health[zone.name].usable:
                return self._unhealthy(zone, health[zone.name], entry, label, entry, None)
            return await self.lookup(zone, entry, label, entry)

        results = await asyncio.gather(*(one(zone) for zone in zones))
        return CheckReport(entry, health, tuple(results))

    def plan(self, source: AssetSource) -> SweepPlan:
        """Take the targets of ``source``, set aside those too large, count the lookups."""
        accepted: list[SweepTarget] = []
        rejected: list[tuple[str, str]] = []
        total = 0
        for item in source.targets():
            kind = target_kind(item.target)
            zones = [zone for zone in self.zones if zone.supports(kind)]
            count = query_count(item.target, self.options.ipv6_prefixlen)
            if not zones:
                rejected.append((item.text, f"no selected zone takes {kind} entries"))
            elif count > self.options.max_queries_per_target:
                rejected.append(
                    (item.text, f"{count} lookups per zone, more than the limit of "
                     f"{self.options.max_queries_per_target}; split the prefix")
                )
            else:
                accepted.append(item)
                total += count * len(zones)
        return SweepPlan(tuple(accepted), tuple(rejected), total)

    async def sweep(
        self,
        source: AssetSource | SweepPlan,
        sink: Sink,
        progress: Progress | None = None,
    ) -> SweepSummary:
        """Ask every zone about every target of ``source``; each result goes to ``sink``."""
        plan = source if isinstance(source, SweepPlan) else self.plan(source)
        summary = SweepSummary(self.clock.now(), targets=len(plan.targets))
        summary.rejected.extend(plan.rejected)
        started = time.perf_counter()
        health = await self.health()
        for zone in self.zones:
            summary.zones[zone.name] = ZoneTally(zone.name, health[zone.name])
        # A task group, not gather: if one zone fails (a sink that cannot write), the others
        # are cancelled instead of running on unseen; the caller gets the first error itself.
        try:
            async with asyncio.TaskGroup() as group:
                for zone in self.zones:
                    tally = summary.zones[zone.name]
                    group.create_task(self._sweep_zone(zone, plan.targets, tally, sink, progress))
        except BaseExceptionGroup as failed:
            raise _first_error(failed) from None
        summary.seconds = time.perf_counter() - started
        summary.finished_at = self.clock.now()
        return summary

    async def stream(self, source: AssetSource) -> AsyncIterator[LookupResult]:
        """The results of a sweep as an async iterator; the sweep waits for a slow consumer."""
        queue: asyncio.Queue[LookupResult | None] = asyncio.Queue(maxsize=4096)

        async def run() -> None:
            try:
                await self.sweep(source, queue.put)
            finally:
                await queue.put(None)

        task = asyncio.create_task(run())
        try:
            while (result := await queue.get()) is not None:
                yield result
            await task  # re-raise whatever stopped the sweep
        finally:
            task.cancel()

    def _items(
        self, zone: Zone, targets: Sequence[SweepTarget]
    ) -> Iterator[tuple[str, str, str, str | None]]:
        for item in targets:
            if zone.supports(target_kind(item.target)):
                text = item.text
                for entry, label in expand(item.target, self.options.ipv6_prefixlen):
                    yield entry, label, text, item.ref

    def _unhealthy(
        self, zone: Zone, health: ZoneHealth, entry: str, label: str, asset: str, ref: str | None
    ) -> LookupResult:
        return LookupResult(
            zone.name, entry, f"{label}.{zone.domain}", Outcome.ERROR, self.clock.now(),
            error=ErrorKind.ZONE_UNHEALTHY, detail=f"zone {health.status}: {health.detail}",
            asset=asset, ref=ref,
        )

    async def _sweep_zone(
        self,
        zone: Zone,
        targets: Sequence[SweepTarget],
        tally: ZoneTally,
        sink: Sink,
        progress: Progress | None,
    ) -> None:
        started = time.perf_counter()
        items = self._items(zone, targets)
        pending = 0

        def deliver(result: LookupResult) -> Awaitable[None] | None:
            nonlocal pending
            tally.add(result)
            pending += 1
            if progress is not None and pending >= _PROGRESS_EVERY:
                progress(pending)
                pending = 0
            return sink(result)

        if not tally.health.usable:
            for count, (entry, label, asset, ref) in enumerate(items):
                waiting = deliver(self._unhealthy(zone, tally.health, entry, label, asset, ref))
                if waiting is not None:
                    await waiting
                elif count % 1024 == 0:
                    await asyncio.sleep(0)  # let the other zones run
        else:
            pacer = Pacer(zone.rate_limit) if zone.rate_limit else None
            loop = asyncio.get_running_loop()

            async def worker() -> None:
                for entry, label, asset, ref in items:
                    if pacer is not None and (wait := pacer.reserve(loop.time())) > 0:
                        await asyncio.sleep(wait)
                    waiting = deliver(await self.lookup(zone, entry, label, asset, ref))
                    if waiting is not None:
                        await waiting

            async with asyncio.TaskGroup() as group:
                for _ in range(zone.concurrency):
                    group.create_task(worker())
        if progress is not None and pending:
            progress(pending)
        tally.seconds = time.perf_counter() - started


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first
