"""Benchmark: time-aware resolution of addresses against 1,000,000 prefixes.

Builds 1,000,000 synthetic prefixes (IPv4 and IPv6, nested three deep, about one in
eight with a history of two or three holders), then runs 1,000,000 time-aware lookups
through abusedesk's resolution index and the same addresses through a bare, frozen
pytricia trie holding the same prefixes. Prints build time, memory, lookups per second
and the ratio; the target is a ratio of at least 0.5. Also times the full
``resolve()`` path (parsing the value, building the ``Resolution``) on a sample.

    .venv/bin/python bench/resolve.py [--prefixes N] [--lookups N] [--rounds N] [--seed N]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import socket
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytricia

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from abusedesk.domain.customers import AssetKind, CustomerKind, CustomerNode  # noqa: E402
from abusedesk.domain.customers_index import IndexRow, ResolutionIndex  # noqa: E402
from abusedesk.domain.customers_values import parse_query  # noqa: E402
from abusedesk.services.resolution import Snapshot, answer, registrable_domain  # noqa: E402

START = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
END = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
CUSTOMERS = 20_000


def rss_bytes() -> int:
    """Resident memory of this process (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def v4(value: int, length: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{length}"


def v6(value: int, length: int) -> str:
    return f"{ipaddress.IPv6Address(value)}/{length}"


def make_prefixes(count: int, rng: random.Random) -> list[tuple[str, int, int, bool]]:
    """(prefix, network as int, length, is_v6): 70 % IPv4, nested /16 > /24 > /28 and
    /32 > /48 > /56 for IPv6."""
    result: list[tuple[str, int, int, bool]] = []
    seen: set[tuple[int, int, bool]] = set()
    v4_target, v6_target = int(count * 0.7), count - int(count * 0.7)
    families = ((False, v4_target, (16, 24, 28)), (True, v6_target, (32, 48, 56)))
    for is_v6, target, levels in families:
        bits = 128 if is_v6 else 32
        fmt = v6 if is_v6 else v4
        tops = [(rng.getrandbits(levels[0]) << (bits - levels[0]))
                for _ in range(max(1, target // 150))]
        middles: list[int] = []
        produced = 0
        for top in tops:
            if (top, levels[0], is_v6) not in seen:
                seen.add((top, levels[0], is_v6))
                result.append((fmt(top, levels[0]), top, levels[0], is_v6))
                produced += 1
        while produced < target:
            if middles and rng.random() < 0.42:
                parent = rng.choice(middles)
                length = levels[2]
                net = parent | (rng.getrandbits(levels[2] - levels[1]) << (bits - levels[2]))
            else:
                parent = rng.choice(tops)
                length = levels[1]
                net = parent | (rng.getrandbits(levels[1] - levels[0]) << (bits - levels[1]))
            if (net, length, is_v6) in seen:
                continue
            seen.add((net, length, is_v6))
            if length == levels[1]:
                middles.append(net)
            result.append((fmt(net, length), net, length, is_v6))
            produced += 1
    return result


def make_rows(prefixes: list[tuple[str, int, int, bool]], rng: random.Random) -> list[IndexRow]:
    """One open window per prefix; one in eight moved once or twice between customers,
    and one in forty holds only a closed window (lookups then fall back to the parent)."""
    rows: list[IndexRow] = []
    asset_id = 0
    for prefix, _net, _length, _is_v6 in prefixes:
        roll = rng.random()
        if roll < 0.125:
            cuts = sorted(rng.uniform(START, END) for _ in range(rng.choice((1, 2))))
            bounds = [None, *cuts, None]
            for start, end in zip(bounds, bounds[1:], strict=False):
                asset_id += 1
                rows.append(IndexRow(asset_id, rng.randrange(1, CUSTOMERS), AssetKind.PREFIX,
                                     prefix, _dt(start), _dt(end)))
        else:
            start = rng.uniform(START, END) if roll < 0.15 else None
            end = rng.uniform(start or START, END) if roll < 0.15 else None
            asset_id += 1
            rows.append(IndexRow(asset_id, rng.randrange(1, CUSTOMERS), AssetKind.PREFIX, prefix,
                                 _dt(start), _dt(end)))
    return rows


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def make_lookups(prefixes: list[tuple[str, int, int, bool]], count: int,
                 rng: random.Random) -> list[tuple[str, float]]:
    """80 % addresses inside a known prefix, 20 % anywhere; times spread over six years."""
    lookups = []
    for _ in range(count):
        if rng.random() < 0.8:
            _prefix, net, length, is_v6 = rng.choice(prefixes)
            bits = 128 if is_v6 else 32
            address = net | rng.getrandbits(bits - length)
        else:
            is_v6 = rng.random() < 0.3
            address = rng.getrandbits(128 if is_v6 else 32)
        text = str(ipaddress.IPv6Address(address)) if is_v6 else str(ipaddress.IPv4Address(address))
        lookups.append((text, rng.uniform(START, END)))
    return lookups


def interleaved(first, second, lookups, chunk: int = 50_000) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Lookups per second of two runners, timed chunk by chunk in alternating order so
    that a change in machine load falls on both alike."""
    spent = [0.0, 0.0]
    runners = (first, second)
    for number, start in enumerate(range(0, len(lookups), chunk)):
        items = lookups[start:start + chunk]
        order = (0, 1) if number % 2 == 0 else (1, 0)
        for which in order:
            began = time.perf_counter()
            runners[which](items)
            spent[which] += time.perf_counter() - began
    return len(lookups) / spent[0], len(lookups) / spent[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5737)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    prefixes = make_prefixes(args.prefixes, rng)
    rows = make_rows(prefixes, rng)
    lookups = make_lookups(prefixes, args.lookups, rng)
    v6_count = sum(1 for p in prefixes if p[3])
    print(f"data: {len(prefixes):,} prefixes ({len(prefixes) - v6_count:,} IPv4, {v6_count:,} "
          f"IPv6), {len(rows):,} windows, {len(lookups):,} lookups "
          f"(generated in {time.perf_counter() - started:.1f} s)")

    before = rss_bytes()
    started = time.perf_counter()
    index = ResolutionIndex(rows, registrable_domain)
    build_seconds = time.perf_counter() - started
    index_bytes = rss_bytes() - before

    before = rss_bytes()
    started = time.perf_counter()
    bare4, bare6 = pytricia.PyTricia(32), pytricia.PyTricia(128, socket.AF_INET6)
    for prefix, _net, _length, is_v6 in prefixes:
        (bare6 if is_v6 else bare4)[prefix] = 1
    bare4.freeze()
    bare6.freeze()
    bare_build = time.perf_counter() - started
    bare_bytes = rss_bytes() - before
    print(f"build: abusedesk index {build_seconds:.2f} s, {index_bytes / 2**20:.0f} MiB; "
          f"bare pytricia {bare_build:.2f} s, {bare_bytes / 2**20:.0f} MiB")

    lookup = index.lookup_address
    get4, get6 = bare4.get, bare6.get

    def ours(items: list[tuple[str, float]]) -> int:
        found = 0
        for address, at in items:
            if lookup(address, at) is not None:
                found += 1
        return found

    def bare(items: list[tuple[str, float]]) -> int:
        found = 0
        for address, _at in items:
            if (get6 if ":" in address else get4)(address) is not None:
                found += 1
        return found

    print(f"hits: {ours(lookups):,} time-aware (abusedesk), {bare(lookups):,} any-time (bare)")
    ratios = []
    for round_number in range(1, args.rounds + 1):
        our_rate, bare_rate = interleaved(ours, bare, lookups)
        ratios.append(our_rate / bare_rate)
        print(f"round {round_number}: abusedesk {our_rate:,.0f} lookups/s, bare pytricia "
              f"{bare_rate:,.0f} lookups/s, ratio {our_rate / bare_rate:.2f}")
    print(f"ratio (median of {args.rounds}): {statistics.median(ratios):.2f} "
          f"(target >= 0.50)")

    nodes = {i: CustomerNode(i, f"C-{i}", f"Customer {i}", CustomerKind.CUSTOMER, None)
             for i in range(1, CUSTOMERS)}
    snapshot = Snapshot(index, nodes, {i: i for i in nodes}, 0)
    sample = lookups[: min(len(lookups), 200_000)]
    moments = [datetime.fromtimestamp(at, UTC) for _address, at in sample]
    started = time.perf_counter()
    for (address, _at), moment in zip(sample, moments, strict=True):
        answer(snapshot, parse_query(address), address, moment)
    full_rate = len(sample) / (time.perf_counter() - started)
    print(f"full resolve() path (parse the value, build the Resolution): {full_rate:,.0f}/s "
          f"on {len(sample):,} lookups")
    print(f"process memory: {rss_bytes() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
