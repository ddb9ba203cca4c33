"""The sweep service over an in-memory resolver: planning, results per entry, health, pacing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network

import pytest

from abusedesk.domain.blocklists_targets import SweepTarget, TargetKind
from abusedesk.domain.blocklists_zones import (
    DnsAnswer,
    ErrorKind,
    LookupResult,
    Outcome,
    RecordType,
    ResponseStatus,
    Zone,
    ZoneHealthStatus,
)
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.errors import InvalidInput, NotFound
from abusedesk.services.blocklist_sweep import (
    BlocklistService,
    Pacer,
    StaticAssets,
    SweepOptions,
    read_targets,
    select_zones,
)

CLOCK = FrozenClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
IPS = Zone("ips", "ips.example", frozenset({TargetKind.IPV4, TargetKind.IPV6}), concurrency=4)
NAMES = Zone("names", "names.example", frozenset({TargetKind.DOMAIN}),
             test_listed="test", test_unlisted="invalid")
DEAD = Zone("dead", "dead.example", frozenset({TargetKind.IPV4}))


def listed(code: str = "127.0.0.2", text: str = "") -> tuple[DnsAnswer, DnsAnswer]:
    texts = (text,) if text else ()
    return (DnsAnswer(ResponseStatus.NOERROR, (code,), evidence=f"A {code}"),
            DnsAnswer(ResponseStatus.NOERROR, texts=texts, evidence=f"TXT {text}"))


class MemoryResolver:
    """Answers from a table of names; everything else is NXDOMAIN. Tracks queries in flight."""

    def __init__(self, table: Mapping[str, tuple[DnsAnswer, DnsAnswer]]) -> None:
        self.table = table
        self.asked: list[tuple[str, RecordType]] = []
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}

    async def query(self, zone: Zone, name: str, rdtype: RecordType) -> DnsAnswer:
        self.asked.append((name, rdtype))
        self.in_flight[zone.name] = self.in_flight.get(zone.name, 0) + 1
        self.most_in_flight[zone.name] = max(self.most_in_flight.get(zone.name, 0),
                                             self.in_flight[zone.name])
        await asyncio.sleep(0)
        self.in_flight[zone.name] -= 1
        a, txt = self.table.get(name, (DnsAnswer(ResponseStatus.NXDOMAIN),) * 2)
        return a if rdtype is RecordType.A else txt

    async def close(self) -> None:
        return None


HEALTHY = {
    "2.0.0.127.ips.example": listed(),
    "test.names.example": listed(),
}


def service(table: Mapping[str, tuple[DnsAnswer, DnsAnswer]], *zones: Zone,
            options: SweepOptions | None = None) -> tuple[BlocklistService, MemoryResolver]:
    resolver = MemoryResolver({**HEALTHY, **table})
    return BlocklistService(resolver, zones or (IPS, NAMES), CLOCK, options), resolver


def sweep(svc: BlocklistService, *targets: SweepTarget) -> tuple[list[LookupResult], object]:
    results: list[LookupResult] = []
    summary = asyncio.run(svc.sweep(StaticAssets(targets), results.append))
    return results, summary


def test_sweep_reports_one_result_per_address_and_zone() -> None:
    svc, resolver = service({"5.2.0.192.ips.example": listed("127.0.0.4", "exploited")})
    results, summary = sweep(svc, SweepTarget(IPv4Network("192.0.2.0/28"), ref="asset-7"),
                             SweepTarget("shop.example", ref="asset-8"))
    assert len(results) == 17
    hits = [result for result in results if result.listed]
    assert [(hit.entry, hit.codes, hit.txt) for hit in hits] == [
        ("192.0.2.5", ("127.0.0.4",), ("exploited",))
    ]
    assert hits[0].asset == "192.0.2.0/28" and hits[0].ref == "asset-7"
    assert hits[0].evidence == "A 127.0.0.4\nTXT exploited"
    assert {result.entry for result in results if result.zone == "ips"} == {
        f"192.0.2.{n}" for n in range(16)}
    domain = [result for result in results if result.zone == "names"]
    assert [(r.entry, r.outcome, r.ref) for r in domain] == [
        ("shop.example", Outcome.NOT_LISTED, "asset-8")]
    assert summary.queries == 17 and summary.listed == 1 and summary.errors == 0
    assert summary.zones["ips"].health.status is ZoneHealthStatus.HEALTHY
    # TXT is asked only for the listing
    assert [name for name, rdtype in resolver.asked if rdtype is RecordType.TXT] == [
        "5.2.0.192.ips.example"]


def test_concurrency_per_zone_is_respected() -> None:
    svc, resolver = service({})
    sweep(svc, SweepTarget(IPv4Network("10.0.0.0/24")))
    assert resolver.most_in_flight["ips"] == IPS.concurrency


def test_unhealthy_zone_is_not_queried_and_every_lookup_is_an_error() -> None:
    svc, resolver = service({}, IPS, DEAD)
    results, summary = sweep(svc, SweepTarget(IPv4Network("192.0.2.0/30")))
    dead = [result for result in results if result.zone == "dead"]
    assert len(dead) == 4
    assert {(r.outcome, r.error) for r in dead} == {(Outcome.ERROR, ErrorKind.ZONE_UNHEALTHY)}
    assert "127.0.0.2 is not listed" in dead[0].detail
    probes = ("2.0.0.127.dead.example", "1.0.0.127.dead.example")
    assert not [name for name, _ in resolver.asked
                if name.endswith("dead.example") and name not in probes]
    assert summary.zones["dead"].errors[ErrorKind.ZONE_UNHEALTHY] == 4


def test_failures_are_reported_as_errors_never_as_not_listed() -> None:
    timeout = DnsAnswer(ResponseStatus.TIMEOUT, detail="no answer")
    svc, _ = service({"1.2.0.192.ips.example": (timeout, timeout)})
    results, summary = sweep(svc, SweepTarget(IPv4Network("192.0.2.0/30")))
    failed = [result for result in results if result.outcome is Outcome.ERROR]
    assert [(r.entry, r.error) for r in failed] == [("192.0.2.1", ErrorKind.TIMEOUT)]
    assert summary.errors == 1


def test_ipv6_prefix_is_asked_per_64_and_only_of_zones_taking_ipv6() -> None:
    svc, _ = service({}, IPS, DEAD)
    results, _ = sweep(svc, SweepTarget(IPv6Network("2001:db8:0:10::/62")))
    assert sorted(r.entry for r in results) == [f"2001:db8:0:1{n}::" for n in range(4)]
    assert {r.zone for r in results} == {"ips"}


def test_plan_sets_aside_targets_too_large_or_without_a_zone() -> None:
    svc, _ = service({}, IPS, options=SweepOptions(max_queries_per_target=256))
    plan = svc.plan(StaticAssets([SweepTarget(IPv4Network("10.0.0.0/16")),
                                  SweepTarget("shop.example"),
                                  SweepTarget(IPv4Network("10.1.0.0/24"))]))
    assert [target.text for target in plan.targets] == ["10.1.0.0/24"]
    assert plan.queries == 256
    reasons = dict(plan.rejected)
    assert "65536 lookups" in reasons["10.0.0.0/16"]
    assert "no selected zone takes domain" in reasons["shop.example"]


def test_check_gives_one_result_per_zone_taking_the_kind() -> None:
    svc, _ = service({"shop.example.names.example": listed("127.0.1.2", "spam domain")})
    report = asyncio.run(svc.check("Shop.Example"))
    assert report.entry == "shop.example"
    assert [(r.zone, r.outcome, r.txt) for r in report.results] == [
        ("names", Outcome.LISTED, ("spam domain",))]
    assert set(report.health) == {"names"}


def test_check_refuses_prefixes() -> None:
    svc, _ = service({})
    with pytest.raises(InvalidInput, match="use sweep"):
        asyncio.run(svc.check("192.0.2.0/24"))


def test_health_check_can_be_skipped() -> None:
    svc, resolver = service({}, DEAD, options=SweepOptions(health_check=False))
    results, summary = sweep(svc, SweepTarget(IPv4Network("192.0.2.0/31")))
    assert summary.zones["dead"].health.status is ZoneHealthStatus.UNCHECKED
    assert [r.outcome for r in results] == [Outcome.NOT_LISTED] * 2
    assert len(resolver.asked) == 2


def test_stream_yields_every_result() -> None:
    svc, _ = service({"3.2.0.192.ips.example": listed()})

    async def collect() -> list[LookupResult]:
        return [result async for result in
                svc.stream(StaticAssets([SweepTarget(IPv4Network("192.0.2.0/29"))]))]

    results = asyncio.run(collect())
    assert len(results) == 8
    assert [r.entry for r in results if r.listed] == ["192.0.2.3"]


def test_pacer_spaces_queries_and_allows_a_bounded_burst() -> None:
    pacer = Pacer(rate=10)  # one every 0.1 s
    waits = [pacer.reserve(100.0) for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    idle = pacer.reserve(200.0)  # long idle: no credit beyond the burst
    assert idle == 0.0 and pacer.reserve(200.0) == pytest.approx(0.1)
    bursty = Pacer(rate=10, burst=3)
    assert [bursty.reserve(50.0) for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.1])
    assert Pacer(rate=0).reserve(1.0) == 0.0


def test_select_zones_by_name_or_enabled() -> None:
    off = Zone("off", "off.example", frozenset({TargetKind.IPV4}), enabled=False)
    assert [z.name for z in select_zones([IPS, off])] == ["ips"]
    assert [z.name for z in select_zones([IPS, off], ["off"])] == ["off"]
    with pytest.raises(NotFound, match="known zones: ips, off"):
        select_zones([IPS, off], ["nope"])
    with pytest.raises(InvalidInput):
        select_zones([off])


def test_read_targets_keeps_bad_lines_with_their_reason() -> None:
    targets, rejected = read_targets(["# customer 12", "192.0.2.0/24  # office", "",
                                      "shop.example", "192.0.2.1/24"])
    assert [t.text for t in targets] == ["192.0.2.0/24", "shop.example"]
    assert rejected[0][0] == "192.0.2.1/24" and "host bits set" in rejected[0][1]


def test_a_failing_sink_stops_the_sweep_with_its_own_error() -> None:
    svc, _ = service({})

    def full_disk(result: LookupResult) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        asyncio.run(svc.sweep(StaticAssets([SweepTarget(IPv4Network("192.0.2.0/24")),
                                            SweepTarget("shop.example")]), full_disk))
