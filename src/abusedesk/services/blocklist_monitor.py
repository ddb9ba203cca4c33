"""The blocklist monitor: checks, recorded sweeps of customer assets, the schedule, the state.

``BlocklistMonitor`` puts the pieces together for the interfaces (CLI, periodic job):

- ``check``: one address or domain, nothing stored;
- ``sweep``: the customers' assets (or given targets) against the zones. A recorded sweep
  takes the sweep lock (one at a time, across processes), first applies any listing change
  a crashed sweep left unapplied, then records every result (``ListingRecorder``), applies
  each change to cases as it is committed (``ListingCases``), and keeps a record of the
  sweep with its counts. ``record=False`` is a dry look;
- ``sweep_due``: whether the schedule calls for a sweep of the customers' assets now;
- ``status``: the stored listing state, with the cases it went to.

DNS sockets belong to an event loop, so each check or sweep makes its own resolver from
``resolver_factory`` and closes it.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address

from croniter import croniter

from abusedesk.domain.blocklists import ListingChange, ListingStatus, StoredListing, SweepRecord
from abusedesk.domain.blocklists_targets import AssetSource, TargetKind, parse_target
from abusedesk.domain.blocklists_zones import BlocklistResolver, LookupResult, Zone
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import ConfigurationError
from abusedesk.domain.ports import UnitOfWork
from abusedesk.domain.resolution import Resolver
from abusedesk.services.blocklist_assets import CustomerAssets, customer_assets
from abusedesk.services.blocklist_cases import ListingCases, case_label
from abusedesk.services.blocklist_evidence import EvidenceFiler, PolicyAt, Reporter
from abusedesk.services.blocklist_record import ListingRecorder, RecordTally
from abusedesk.services.blocklist_sweep import (
    BlocklistService,
    CheckReport,
    Progress,
    SweepOptions,
    SweepPlan,
    SweepSummary,
)

SCOPE_CUSTOMERS = "customers"
SCOPE_TARGETS = "targets"
DEFAULT_CRON = "0 */6 * * *"

ResultSink = Callable[[LookupResult], None]


@dataclass(slots=True)
class MonitorReport:
    """What one sweep found and, when recorded, what it changed."""

    summary: SweepSummary
    record: SweepRecord | None = None
    tally: RecordTally | None = None
    recovered: list[ListingChange] = field(default_factory=list)  # left over by a crash
    skipped: dict[str, int] = field(default_factory=dict)  # customer assets left out, why

    @property
    def changes(self) -> list[ListingChange]:
        return self.tally.changes if self.tally is not None else []


@dataclass(frozen=True, slots=True)
class ListingView:
    listing: StoredListing
    case: str | None  # "AD-2026-000012 (notified)"


@dataclass(frozen=True, slots=True)
class StatusReport:
    listings: list[ListingView]
    changes: list[ListingChange]  # of the listings shown when one target was asked for
    sweeps: list[SweepRecord]


@dataclass(frozen=True, slots=True)
class CaseHooks:
    """How listing changes reach the case services (wired by the interfaces)."""

    aggregate: Callable[[int], object]
    leads: Sequence[timedelta] = ()


class BlocklistMonitor:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, zones: Sequence[Zone], *,
                 resolver_factory: Callable[[], BlocklistResolver], resolver: Resolver,
                 policy_at: PolicyAt, reporter: Reporter, options: SweepOptions | None = None,
                 cases: CaseHooks | None = None, lease: timedelta = timedelta(minutes=15)
                 ) -> None:
        self._uow = uow
        self._clock = clock
        self.zones = list(zones)
        self._resolver_factory = resolver_factory
        self._evidence = EvidenceFiler(clock, policy_at=policy_at, resolver=resolver,
                                       reporter=reporter)
        self.options = options or SweepOptions()
        self._cases = cases
        self._lease = lease
        # The zones whose listings hold a case open: those configured and enabled, and any
        # a sweep named (a sweep of one zone must not take the others' listings for gone).
        self._in_use = frozenset(zone.name for zone in zones if zone.enabled)

    def using(self, *, zones: Sequence[Zone] | None = None, options: SweepOptions | None = None,
              cases: CaseHooks | None = None) -> BlocklistMonitor:
        """A copy with other zones, sweep options or case hooks."""
        changed = copy.copy(self)
        changed.zones = list(zones) if zones is not None else self.zones
        changed._in_use = self._in_use | {zone.name for zone in changed.zones}
        changed.options = options or self.options
        changed._cases = cases or self._cases
        return changed

    def service(self, resolver: BlocklistResolver) -> BlocklistService:
        return BlocklistService(resolver, self.zones, self._clock, self.options)

    @property
    def kinds(self) -> frozenset[TargetKind]:
        return frozenset(kind for zone in self.zones for kind in zone.kinds)

    # -- look-ups --------------------------------------------------------------------------
    async def check(self, text: str) -> CheckReport:
        """Look one address or domain up in every zone of its kind; nothing is stored."""
        resolver = self._resolver_factory()
        try:
            return await self.service(resolver).check(text)
        finally:
            await resolver.close()

    def customer_source(self) -> CustomerAssets:
        """The customers' assets held now (and entries still listed), for a sweep."""
        return customer_assets(self._uow, self._clock.now(), kinds=self.kinds,
                               zones=[zone.name for zone in self.zones],
                               ipv6_prefixlen=self.options.ipv6_prefixlen,
                               max_queries=self.options.max_queries_per_target)

    async def sweep(self, source: AssetSource | None = None, *, record: bool = True,
                    trigger: str = "cli", sink: ResultSink | None = None,
                    progress: Progress | None = None,
                    on_plan: Callable[[SweepPlan], object] | None = None) -> MonitorReport:
        """Sweep ``source`` (default: the customers' assets); see the module docstring.

        ``sink`` sees every result, ``on_plan`` the plan before the first query (its
        ``queries`` is the total a progress bar counts towards). Raises ``Conflict`` when
        recording and another recorded sweep is running.
        """
        scope = SCOPE_CUSTOMERS if source is None else SCOPE_TARGETS
        if not record:
            return await self._run(source, None, sink, progress, on_plan)
        with self._uow() as uow:
            running = uow.blocklists.start_sweep(trigger=trigger, scope=scope,
                                                 at=self._clock.now(),
                                                 lease_until=self._clock.now() + self._lease)
            uow.commit()
        try:
            report = await self._run(source, running, sink, progress, on_plan)
        except BaseException as error:
            self._finish(replace(running, status="failed", finished_at=self._clock.now(),
                                 detail=f"{type(error).__name__}: {error}"[:2000]))
            raise
        summary, tally = report.summary, report.tally
        assert tally is not None
        report.record = replace(
            running, status="done", finished_at=self._clock.now(), targets=summary.targets,
            queries=summary.queries, listed=summary.listed, errors=summary.errors,
            changes={transition.value: count for transition, count
                     in sorted(tally.transitions.items())},
            detail="; ".join(f"{target}: {why}" for target, why in summary.rejected)[:2000]
            or None)
        self._finish(report.record)
        return report

    async def _run(self, source: AssetSource | None, running: SweepRecord | None,
                   sink: ResultSink | None, progress: Progress | None,
                   on_plan: Callable[[SweepPlan], object] | None) -> MonitorReport:
        cases = self._listing_cases()
        report = MonitorReport(SweepSummary(self._clock.now()))
        if running is not None and cases is not None:
            report.recovered = cases.apply_pending()
        if source is None:
            assets = self.customer_source()
            report.skipped = dict(assets.skipped)
            source = assets
        resolver = self._resolver_factory()
        try:
            service = self.service(resolver)
            plan = service.plan(source)
            if on_plan is not None:
                on_plan(plan)
            recorder = None
            if running is not None:
                recorder = ListingRecorder(
                    self._uow, self._clock, self.zones, self._evidence, sweep_id=running.id,
                    lease=self._lease, on_changes=cases.apply_all if cases else None)
                recorder.load()

            def deliver(result: LookupResult) -> Awaitable[None] | None:
                if sink is not None:
                    sink(result)
                return recorder(result) if recorder is not None else None

            if plan.targets:
                report.summary = await service.sweep(plan, deliver, progress)
            else:  # nothing to ask: no zone is disturbed, not even by its health test
                report.summary.rejected.extend(plan.rejected)
                report.summary.finished_at = self._clock.now()
            if recorder is not None:
                report.tally = await recorder.close()
        finally:
            await resolver.close()
        return report

    def _listing_cases(self) -> ListingCases | None:
        if self._cases is None:
            return None
        return ListingCases(self._uow, self._clock, aggregate=self._cases.aggregate,
                            leads=self._cases.leads,
                            zones=self._in_use | {zone.name for zone in self.zones})

    def _finish(self, record: SweepRecord) -> None:
        with self._uow() as uow:
            uow.blocklists.finish_sweep(record)
            uow.commit()

    # -- schedule and state ----------------------------------------------------------------
    def sweep_due(self, cron: str) -> bool:
        """True when no sweep of the customers' assets started since the latest time the
        schedule ``cron`` names (a sweep missed while nothing ran is made up once).

        The schedule starts the first time it is looked at: that look records it and says
        no, so a new installation (or a test) does not sweep the moment its worker starts.
        """
        if not croniter.is_valid(cron):
            raise ConfigurationError(f"blocklist sweep schedule {cron!r} is not a crontab "
                                     "expression (five fields, e.g. '0 */6 * * *')")
        now = self._clock.now()
        scheduled: datetime = croniter(cron, now).get_prev(datetime)
        with self._uow() as uow:
            latest = uow.blocklists.sweeps(scope=SCOPE_CUSTOMERS, limit=1)
            if latest:
                return latest[0].started_at < scheduled
            first: datetime = croniter(cron, now).get_next(datetime)
            started = uow.blocklists.start_sweep(trigger="schedule", scope=SCOPE_CUSTOMERS,
                                                 at=now, lease_until=now)
            uow.blocklists.finish_sweep(replace(
                started, status="scheduled", finished_at=now,
                detail=f"schedule {cron} started; the first sweep is due at "
                       f"{first:%Y-%m-%d %H:%M} UTC"))
            uow.commit()
        return False

    def status(self, target: str | None = None, *, everything: bool = False,
               limit: int = 500) -> StatusReport:
        """The stored listings (of ``target``, an address, prefix or domain; else those
        listed now, or ``everything`` ever listed), the case each went to, the changes of
        one target's listings, and the latest sweeps."""
        wanted = parse_target(target) if target else None
        with self._uow() as uow:
            if wanted is not None:
                listings = [listing for listing in uow.blocklists.listings()
                            if _within(listing.entry, wanted)]
            else:
                listings = list(uow.blocklists.listings(
                    status=None if everything else ListingStatus.LISTED))
            shown = listings[:limit]
            views = []
            for listing in shown:
                case = uow.cases.get(listing.case_id) if listing.case_id else None
                views.append(ListingView(listing, case_label(case) if case is not None else None))
            changes = list(uow.blocklists.changes(
                listing_ids=[listing.id for listing in shown])) if wanted is not None else []
            sweeps = list(uow.blocklists.sweeps(limit=5))
        return StatusReport(views, changes, sweeps)


def _within(entry: str, wanted: IPv4Network | IPv6Network | str) -> bool:
    if isinstance(wanted, str):
        return entry == wanted or entry.endswith("." + wanted)
    try:
        return ip_address(entry) in wanted
    except ValueError:
        return False

