"""Benchmark: sweep a /16 (65,536 addresses) against 4 zones served by a local rbldnsd.

Prints queries per second, the total time, how many lookups were listed, not listed and
failed (failures by kind: they are counted, never dropped), whether the listings found
match the data served, and the same figures for dnspython's full asynchronous Resolver
(the peer) on a smaller prefix, with the ratio between the two.

``--record`` adds a recorded sweep of the same prefix held by one customer, on SQLite, as
the scheduled job runs it: first with every listing new (each one stored with its evidence
complaint and filed as a case), then again with nothing changed (the steady state: only
the listed entries are written).

    .venv/bin/python bench/dnsbl.py [--prefix 198.18.0.0/16] [--concurrency 128] [--record]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

import dns.asyncresolver  # noqa: E402
import dns.exception  # noqa: E402
import dns.resolver  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from abusedesk.adapters.db.tables.cases import CaseRow  # noqa: E402
from abusedesk.adapters.dns.dnsbl_resolver import (  # noqa: E402
    UdpBlocklistResolver,
    answer_from_message,
)
from abusedesk.bootstrap import build_container, prepare_database  # noqa: E402
from abusedesk.config import Settings  # noqa: E402
from abusedesk.domain.blocklists_targets import SweepTarget, TargetKind  # noqa: E402
from abusedesk.domain.blocklists_zones import (  # noqa: E402
    BlocklistResolver,
    DnsAnswer,
    LookupResult,
    RecordType,
    ResponseStatus,
    Zone,
)
from abusedesk.domain.clock import SystemClock  # noqa: E402
from abusedesk.interfaces.workers.blocklists import blocklist_monitor  # noqa: E402
from abusedesk.services.blocklist_sweep import (  # noqa: E402
    BlocklistService,
    StaticAssets,
    SweepSummary,
)
from tests.support.rbldnsd import RBLDNSD, Dataset, Rbldnsd  # noqa: E402

CODES = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.10")


def build_data(
    prefix: ipaddress.IPv4Network, share: float, seed: int
) -> tuple[list[Dataset], set[tuple[str, str]]]:
    """Four zones (two ip4set, two ip4trie) listing ``share`` of ``prefix``; the expected hits."""
    rng = random.Random(seed)
    hosts = [str(address) for address in prefix]
    datasets: list[Dataset] = []
    expected: set[tuple[str, str]] = set()
    for index, kind in enumerate(("ip4set", "ip4trie", "ip4set", "ip4trie")):
        zone = f"z{index}.bench.test"
        chosen = rng.sample(hosts, int(len(hosts) * share))
        lines = [":127.0.0.2:Listed in bench zone $", "127.0.0.2"]
        for position, host in enumerate(chosen):
            code = CODES[position % len(CODES)]
            entry = f"{host}/32" if kind == "ip4trie" else host
            lines.append(f"{entry} :{code}:bench listing $")
            expected.add((zone, host))
        datasets.append(Dataset(zone, kind, tuple(lines)))
    return datasets, expected


def zones_for(server: Rbldnsd, datasets: list[Dataset], concurrency: int) -> list[Zone]:
    return [
        Zone(
            name=dataset.zone.split(".")[0],
            domain=dataset.zone,
            kinds=frozenset({TargetKind.IPV4}),
            codes={ipaddress.IPv4Address(code): f"bench code {code}" for code in CODES},
            resolver=server.address,
            timeout=2.0,
            attempts=2,
            concurrency=concurrency,
            test_listed="127.0.0.2",
            test_unlisted="127.0.0.1",
        )
        for dataset in datasets
    ]


class FullResolverPeer:
    """The peer: one dnspython ``asyncresolver.Resolver.resolve`` call per query."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.resolver = dns.asyncresolver.Resolver(configure=False)
        self.resolver.nameservers = [host]
        self.resolver.port = port
        self.resolver.lifetime = timeout * 2
        self.resolver.timeout = timeout

    async def query(self, zone: Zone, name: str, rdtype: RecordType) -> DnsAnswer:
        try:
            answer = await self.resolver.resolve(name, rdtype.value)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(ResponseStatus.NXDOMAIN)
        except dns.resolver.NoAnswer:
            return DnsAnswer(ResponseStatus.NOERROR)
        except dns.exception.Timeout:
            return DnsAnswer(ResponseStatus.TIMEOUT)
        except dns.exception.DNSException as error:
            return DnsAnswer(ResponseStatus.SERVFAIL, detail=str(error))
        return answer_from_message(answer.response)

    async def close(self) -> None:
        return None


async def run_sweep(
    resolver: BlocklistResolver, zones: list[Zone], prefix: ipaddress.IPv4Network
) -> tuple[SweepSummary, list[LookupResult], Counter[str], float]:
    service = BlocklistService(resolver, zones, SystemClock())
    listed: list[LookupResult] = []
    outcomes: Counter[str] = Counter()

    def sink(result: LookupResult) -> None:
        outcomes[result.outcome.value] += 1
        if result.listed:
            listed.append(result)

    cpu = time.process_time()
    summary = await service.sweep(StaticAssets([SweepTarget(prefix)]), sink)
    cpu = time.process_time() - cpu
    await resolver.close()
    return summary, listed, outcomes, cpu


def report(title: str, summary: SweepSummary, listed: list[LookupResult], outcomes: Counter[str],
           expected: set[tuple[str, str]], zone_names: dict[str, str], cpu: float) -> float:
    errors: Counter[str] = Counter()
    for tally in summary.zones.values():
        errors.update({kind.value: count for kind, count in tally.errors.items()})
    health = ", ".join(f"{name}={tally.health.status}" for name, tally in summary.zones.items())
    found = {(zone_names[result.zone], result.entry) for result in listed}
    print(f"== {title}")
    print(f"   lookups           {summary.queries:>10,}")
    print(f"   total time        {summary.seconds:>10.2f} s")
    print(f"   queries/second    {summary.rate:>10,.0f}")
    per_cpu = summary.queries / cpu if cpu else 0.0
    print(f"   CPU of this process {cpu:>8.2f} s  ({per_cpu:,.0f} lookups per CPU-second)")
    print(f"   listed            {outcomes['listed']:>10,}")
    print(f"   not listed        {outcomes['not-listed']:>10,}")
    print(f"   failed            {outcomes['error']:>10,}  {dict(errors) or ''}")
    print(f"   listings expected {len(expected):>10,}  found {len(found & expected):,}, "
          f"unexpected {len(found - expected):,}")
    print(f"   zone health       {health}")
    return float(summary.rate)


def recorded(zones: list[Zone], prefix: ipaddress.IPv4Network) -> None:
    """Two recorded sweeps of ``prefix``, held by one customer, into a fresh SQLite database."""
    with tempfile.TemporaryDirectory(prefix="abusedesk-bench-") as scratch:
        settings = Settings(data_dir=Path(scratch), mail_from="abuse@provider.example",
                            secret_key="bench" * 10)
        container = build_container(settings)
        prepare_database(container)
        container.customers.import_text(json.dumps({
            "format": "abusedesk-customers/1", "customers": [{
                "ref": "C-1", "name": "Bench Hosting", "kind": "customer",
                "representative": {"name": "Bench", "email": "abuse@bench.example"},
                "assets": [{"kind": "prefix", "value": str(prefix)}]}]}), fmt="json")
        monitor = blocklist_monitor(container).using(zones=zones)
        for title in ("first recorded sweep: every listing new, filed as cases",
                      "second recorded sweep: nothing changed"):
            cpu = time.process_time()
            started = time.perf_counter()
            result = asyncio.run(monitor.sweep())
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            changes = result.record.changes if result.record else {}
            print(f"== {title} (SQLite)")
            print(f"   lookups           {result.summary.queries:>10,}")
            print(f"   total time        {seconds:>10.2f} s  (the lookups alone "
                  f"{result.summary.seconds:.2f} s)")
            print(f"   lookups/second    {result.summary.queries / seconds:>10,.0f}")
            print(f"   CPU of this process {cpu:>8.2f} s")
            print(f"   changes recorded  {dict(changes)}")
        with container.sessions() as session:
            cases = session.scalar(select(func.count()).select_from(CaseRow))
        print(f"   cases opened      {cases:>10,}")
        container.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefix", default="198.18.0.0/16", help="IPv4 prefix to sweep")
    parser.add_argument("--peer-prefix", default="198.18.0.0/20", help="prefix for the peer")
    parser.add_argument("--concurrency", type=int, default=128, help="queries in flight per zone")
    parser.add_argument("--listed-share", type=float, default=0.01,
                        help="share of the prefix listed in each zone")
    parser.add_argument("--no-peer", action="store_true", help="skip the full-Resolver peer")
    parser.add_argument("--record", action="store_true",
                        help="also time recorded sweeps (listing state and cases, SQLite)")
    args = parser.parse_args()
    if RBLDNSD is None:
        print("rbldnsd is not installed (apt-get install rbldnsd)", file=sys.stderr)
        return 2
    prefix = ipaddress.IPv4Network(args.prefix)
    peer_prefix = ipaddress.IPv4Network(args.peer_prefix)
    datasets, expected = build_data(prefix, args.listed_share, seed=5782)
    with Rbldnsd(datasets) as server:
        zones = zones_for(server, datasets, args.concurrency)
        zone_names = {zone.name: zone.domain for zone in zones}
        print(f"rbldnsd on {server.address}; {len(zones)} zones; {prefix} "
              f"({prefix.num_addresses:,} addresses); {args.concurrency} in flight per zone")
        print(f"load average before: {os.getloadavg()[0]:.2f} "
              "(other work on the 2 cores lowers the figures)")
        summary, listed, outcomes, cpu = asyncio.run(
            run_sweep(UdpBlocklistResolver(), zones, prefix))
        lean = report("abusedesk sweep (shared-socket UDP client)", summary, listed, outcomes,
                      expected, zone_names, cpu)
        if not args.no_peer:
            in_peer = {(zone, host) for zone, host in expected
                       if ipaddress.IPv4Address(host) in peer_prefix}
            peer_zones = [replace(zone, concurrency=min(zone.concurrency, 64)) for zone in zones]
            host, port = server.address.split(":")
            peer = FullResolverPeer(host, int(port), 2.0)
            summary, listed, outcomes, cpu = asyncio.run(
                run_sweep(peer, peer_zones, peer_prefix))
            full = report(f"peer: dnspython asyncresolver.Resolver per query, {peer_prefix}",
                          summary, listed, outcomes, in_peer, zone_names, cpu)
            if full:
                print(f"== ratio: {lean / full:.1f}x the queries per second of the peer")
        if args.record:
            recorded(zones, prefix)
    print("target: at least 10,000 queries per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
