"""What a sweep of customer assets asks: every prefix and domain held now, each once.

``CustomerAssets`` is the ``AssetSource`` of scheduled sweeps. From the asset windows of
the customers repository it takes those valid at the sweep's moment: IPv4 and IPv6
prefixes (IPv6 only when a zone in use lists IPv6), domains and host names (when a zone
lists domains). Prefixes are merged so that an address assigned to a sub-customer out of
its partner's block is asked once; a merge that would make a prefix too large to sweep
falls back to the prefixes as held, which the sweep then reports one by one. Entries still
listed on a zone but no longer held by anyone are asked too, so that their delisting is
seen and resolves the case of the customer who held them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from ipaddress import collapse_addresses, ip_network

from abusedesk.domain.blocklists import ListingStatus
from abusedesk.domain.blocklists_targets import (
    IPNetwork,
    SweepTarget,
    Target,
    TargetKind,
    parse_target,
    query_count,
    target_kind,
)
from abusedesk.domain.customers import AssetKind
from abusedesk.domain.customers_index import IndexRow
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import normalise_name
from abusedesk.domain.ports import UnitOfWork


def merge_prefixes(held: dict[IPNetwork, set[int]], *, ipv6_prefixlen: int,
                   max_queries: int) -> list[SweepTarget]:
    """Each address once: prefixes merged, unless a merged prefix would exceed the limit.

    ``held`` maps each prefix to the ids of the assets holding it; a target that is exactly
    one asset's prefix carries ``asset:<id>`` as its reference.
    """
    targets: list[SweepTarget] = []
    for version in (4, 6):
        nets = sorted(net for net in held if net.version == version)
        if not nets:
            continue
        for merged in collapse_addresses(nets):  # type: ignore[type-var]
            if query_count(merged, ipv6_prefixlen) <= max_queries:
                targets.append(SweepTarget(merged, _ref(held.get(merged))))
                continue
            inside = [net for net in nets if net.subnet_of(merged)]  # type: ignore[arg-type]
            outermost = [net for net in inside
                         if not any(other != net and net.subnet_of(other)  # type: ignore[arg-type]
                                    for other in inside)]
            targets += [SweepTarget(net, _ref(held[net])) for net in outermost]
    return targets


def _ref(asset_ids: set[int] | None) -> str | None:
    return f"asset:{min(asset_ids)}" if asset_ids else None


class CustomerAssets:
    """The customers' prefixes and domains valid at ``at``, plus entries still listed."""

    def __init__(self, rows: Iterable[IndexRow], at: datetime, *,
                 kinds: Collection[TargetKind], listed: Iterable[str] = (),
                 ipv6_prefixlen: int = 64, max_queries: int = 1 << 20) -> None:
        held: dict[IPNetwork, set[int]] = {}
        names: dict[str, set[int]] = {}
        self.skipped: dict[str, int] = {}  # why assets were left out, and how many
        for row in rows:
            if not row.is_valid_at(at):
                continue
            if row.kind is AssetKind.PREFIX:
                try:
                    net = ip_network(row.value, strict=False)
                except ValueError:
                    self._skip(f"unreadable prefix {row.value!r}")
                    continue
                kind = target_kind(net)
                if kind not in kinds:
                    self._skip(f"{kind} prefixes: no zone in use lists {kind}")
                    continue
                held.setdefault(net, set()).add(row.asset_id)
            elif row.kind in (AssetKind.DOMAIN, AssetKind.HOSTNAME):
                if TargetKind.DOMAIN not in kinds:
                    self._skip("domains: no zone in use lists domains")
                    continue
                try:
                    names.setdefault(normalise_name(row.value), set()).add(row.asset_id)
                except InvalidInput:
                    self._skip(f"unreadable domain {row.value!r}")
        self._targets = merge_prefixes(held, ipv6_prefixlen=ipv6_prefixlen,
                                       max_queries=max_queries)
        self._targets += [SweepTarget(name, _ref(ids)) for name, ids in sorted(names.items())]
        self.held = len(self._targets)
        self._targets += self._orphans(listed, kinds)

    def _skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def _orphans(self, listed: Iterable[str], kinds: Collection[TargetKind]) -> list[SweepTarget]:
        """Listed entries that no target covers any more (the asset was given back)."""
        covered_names = {item.target for item in self._targets if isinstance(item.target, str)}
        nets = [item.target for item in self._targets if not isinstance(item.target, str)]
        orphans: list[SweepTarget] = []
        for entry in sorted(set(listed)):
            try:
                target: Target = parse_target(entry)
            except InvalidInput:
                continue
            if isinstance(target, str):
                covered = target in covered_names
            else:
                covered = any(target.version == net.version
                              and target.subnet_of(net)  # type: ignore[arg-type]
                              for net in nets)
            if not covered and target_kind(target) in kinds:
                orphans.append(SweepTarget(target, "listed"))
        return orphans

    def targets(self) -> Iterable[SweepTarget]:
        return self._targets


def customer_assets(uow: Callable[[], UnitOfWork], at: datetime, *,
                    kinds: Collection[TargetKind], zones: Collection[str],
                    ipv6_prefixlen: int = 64, max_queries: int = 1 << 20) -> CustomerAssets:
    """Read the asset windows and the entries listed on ``zones`` in one transaction."""
    with uow() as unit:
        rows = list(unit.customers.index_rows())
        listed = [listing.entry for listing in unit.blocklists.listings(
            zones=list(zones), status=ListingStatus.LISTED)]
    return CustomerAssets(rows, at, kinds=kinds, listed=listed, ipv6_prefixlen=ipv6_prefixlen,
                          max_queries=max_queries)
