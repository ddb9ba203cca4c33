"""Lookups, health checks and sweeps against a real rbldnsd (ip4set, ip4trie, ip6trie, dnset)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network

from abusedesk.adapters.dns.dnsbl_resolver import UdpBlocklistResolver
from abusedesk.domain.blocklists_targets import SweepTarget
from abusedesk.domain.blocklists_zones import (
    ErrorKind,
    LookupResult,
    Outcome,
    Zone,
    ZoneHealth,
    ZoneHealthStatus,
)
from abusedesk.domain.clock import FrozenClock
from abusedesk.services.blocklist_sweep import (
    BlocklistService,
    CheckReport,
    StaticAssets,
    SweepOptions,
    SweepSummary,
)
from tests.integration.blocklists.conftest import SET_LISTINGS, SET_RANGE

CLOCK = FrozenClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


def check(zones: list[Zone], target: str, health_check: bool = True) -> CheckReport:
    async def run() -> CheckReport:
        resolver = UdpBlocklistResolver()
        try:
            options = SweepOptions(health_check=health_check)
            service = BlocklistService(resolver, zones, CLOCK, options)
            return await service.check(target)
        finally:
            await resolver.close()

    return asyncio.run(run())


def one(zone: Zone, target: str, health_check: bool = True) -> LookupResult:
    (result,) = check([zone], target, health_check).results
    return result


def health(zones: list[Zone]) -> dict[str, ZoneHealth]:
    async def run() -> dict[str, ZoneHealth]:
        resolver = UdpBlocklistResolver()
        try:
            return await BlocklistService(resolver, zones, CLOCK).health()
        finally:
            await resolver.close()

    return asyncio.run(run())


def sweep(zones: list[Zone], *targets: SweepTarget) -> tuple[list[LookupResult], SweepSummary]:
    results: list[LookupResult] = []

    async def run() -> SweepSummary:
        resolver = UdpBlocklistResolver()
        try:
            return await BlocklistService(resolver, zones, CLOCK).sweep(
                StaticAssets(targets), results.append)
        finally:
            await resolver.close()

    return results, asyncio.run(run())


def test_ip4set_listing_has_codes_meanings_txt_and_evidence(zones: dict[str, Zone]) -> None:
    result = one(zones["set"], "192.0.2.10")
    assert result.outcome is Outcome.LISTED
    assert result.codes == ("127.0.0.4",)
    assert result.meanings == ("XBL",)
    assert result.txt == ("Exploited host 192.0.2.10",)
    assert "10.2.0.192.set.bl.test. 60 IN A 127.0.0.4" in result.evidence
    assert 'IN TXT "Exploited host 192.0.2.10"' in result.evidence
    assert result.checked_at == CLOCK.now()


def test_ip4set_entry_with_two_codes_and_one_without_txt(zones: dict[str, Zone]) -> None:
    double = one(zones["set"], "192.0.2.30")
    assert double.codes == ("127.0.0.2", "127.0.0.3")
    assert double.meanings == ("SBL", "CSS")
    no_txt = one(zones["set"], "192.0.2.20")
    assert no_txt.codes == ("127.0.0.10",) and no_txt.txt == ()


def test_not_listed_address(zones: dict[str, Zone]) -> None:
    result = one(zones["set"], "192.0.2.11")
    assert result.outcome is Outcome.NOT_LISTED
    assert result.error is None


def test_ip4trie_longest_prefix_and_exclusion(zones: dict[str, Zone]) -> None:
    assert one(zones["trie"], "203.0.113.5").codes == ("127.0.0.3",)
    assert one(zones["trie"], "203.0.113.129").codes == ("127.0.0.9",)
    assert one(zones["trie"], "203.0.113.200").outcome is Outcome.NOT_LISTED
    assert one(zones["trie"], "203.0.114.1").outcome is Outcome.NOT_LISTED


def test_ip6trie_lookup_in_nibble_format(zones: dict[str, Zone]) -> None:
    listed = one(zones["six"], "2001:db8:bad:42::25")
    assert listed.codes == ("127.0.0.3",)
    assert listed.query.endswith(".d.a.b.0.8.b.d.0.1.0.0.2.six.bl.test")
    assert len(listed.query.split(".")) == 32 + 3
    assert one(zones["six"], "2001:db8:bee::1").outcome is Outcome.NOT_LISTED


def test_dnset_domains_and_subtrees(zones: dict[str, Zone]) -> None:
    spam = one(zones["names"], "SPAM.example")
    assert spam.entry == "spam.example"
    assert (spam.codes, spam.meanings, spam.txt) == (
        ("127.0.1.2",), ("spam domain",), ("Spam domain spam.example",))
    assert one(zones["names"], "www.spam.example").outcome is Outcome.NOT_LISTED
    assert one(zones["names"], "login.phish.example").meanings == ("phishing domain",)
    assert one(zones["names"], "clean.example").outcome is Outcome.NOT_LISTED


def test_bitmask_zone(zones: dict[str, Zone]) -> None:
    assert one(zones["bits"], "bad.example").meanings == ("PH", "ABUSE")


def test_rfc_5782_health_of_each_zone(zones: dict[str, Zone]) -> None:
    states = health(list(zones.values()))
    assert {name: state.status for name, state in states.items()} == {
        "set": ZoneHealthStatus.HEALTHY,
        "trie": ZoneHealthStatus.HEALTHY,
        "six": ZoneHealthStatus.HEALTHY,
        "names": ZoneHealthStatus.HEALTHY,
        "bits": ZoneHealthStatus.HEALTHY,
        "refusing": ZoneHealthStatus.FAILING,
        "dead": ZoneHealthStatus.DEAD,
        "world": ZoneHealthStatus.LISTS_EVERYTHING,
        "unserved": ZoneHealthStatus.FAILING,
    }
    assert "list-refused" in states["refusing"].detail
    assert "127.255.255.254" in states["refusing"].detail
    assert "refused" in states["unserved"].detail


def test_query_refused_answer_is_an_error_not_a_listing(zones: dict[str, Zone]) -> None:
    result = one(zones["refusing"], "192.0.2.99", health_check=False)
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.LIST_REFUSED
    assert result.codes == ("127.255.255.254",)
    assert "public resolver" in result.detail


def test_zone_the_server_does_not_serve_is_refused(zones: dict[str, Zone]) -> None:
    result = one(zones["unserved"], "192.0.2.10", health_check=False)
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.REFUSED


def test_dead_zone_lookups_are_errors_even_where_it_would_answer(zones: dict[str, Zone]) -> None:
    result = one(zones["dead"], "192.0.2.10")  # listed in the data, but the zone failed its test
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.ZONE_UNHEALTHY


def test_server_that_never_answers_times_out(zones: dict[str, Zone], silent_server: str) -> None:
    silent = replace(zones["set"], resolver=silent_server, timeout=0.2, attempts=2)
    result = one(silent, "192.0.2.10", health_check=False)
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.TIMEOUT
    assert "2 attempts" in result.detail


def test_nothing_listening_is_unreachable(zones: dict[str, Zone], closed_port: str) -> None:
    gone = replace(zones["set"], resolver=closed_port, timeout=0.5, attempts=1)
    result = one(gone, "192.0.2.10", health_check=False)
    assert result.outcome is Outcome.ERROR
    # Linux answers a datagram to a closed loopback port with ICMP port unreachable
    assert result.error is ErrorKind.UNREACHABLE
    assert "refused" in result.detail.lower()


def test_sweep_finds_exactly_the_listed_entries(zones: dict[str, Zone]) -> None:
    results, summary = sweep(
        [zones["set"], zones["trie"], zones["dead"]],
        SweepTarget(IPv4Network("192.0.2.0/24"), ref="customer-1"),
        SweepTarget(IPv4Network("198.51.100.0/24"), ref="customer-2"),
    )
    found = {result.entry: result.codes for result in results
             if result.zone == "set" and result.listed}
    expected = {**SET_LISTINGS, **{address: ("127.0.0.2",) for address in SET_RANGE}}
    assert found == expected
    assert {r.ref for r in results if r.entry in SET_RANGE} == {"customer-2"}
    assert summary.zones["set"].queries == 512
    assert summary.zones["set"].listed == len(expected)
    assert summary.zones["trie"].listed == 0 and summary.zones["trie"].errors.total() == 0
    assert summary.zones["dead"].errors[ErrorKind.ZONE_UNHEALTHY] == 512
    assert summary.queries == len(results) == 3 * 512


def test_sweep_of_ipv6_prefixes_and_domains(zones: dict[str, Zone]) -> None:
    results, summary = sweep(
        [zones["six"], zones["names"]],
        SweepTarget(IPv6Network("2001:db8:bad::/62")),  # inside the listed /48: 4 lookups
        SweepTarget(IPv6Network("2001:db8:bac:fff0::/60")),  # outside: 16 lookups
        SweepTarget("spam.example"), SweepTarget("clean.example"),
    )
    six = {r.entry: r.outcome for r in results if r.zone == "six"}
    assert len(six) == 20
    assert {e for e, outcome in six.items() if outcome is Outcome.LISTED} == {
        str(IPv6Network(f"2001:db8:bad:{n}::/64").network_address) for n in range(4)}
    names = {r.entry: r.outcome for r in results if r.zone == "names"}
    assert names == {"spam.example": Outcome.LISTED, "clean.example": Outcome.NOT_LISTED}
    assert summary.errors == 0
