"""Zone lists in TOML: the built-in list, defaults, and refusing every kind of mistake."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from abusedesk.adapters.dns.zone_file import load_zones, parse_zones
from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.errors import ConfigurationError

MINIMAL = """
[[zones]]
name = "local"
domain = "bl.example.net"
kinds = ["ipv4"]
"""


def test_builtin_list_has_the_main_lists_with_their_codes() -> None:
    zones = {zone.name: zone for zone in load_zones()}
    assert {"spamhaus-zen", "spamhaus-dbl", "spamcop", "barracuda", "surbl-multi"} <= set(zones)
    zen = zones["spamhaus-zen"]
    assert zen.domain == "zen.spamhaus.org"
    assert zen.kinds == {TargetKind.IPV4, TargetKind.IPV6}
    assert IPv4Address("127.0.0.4") in zen.codes
    assert set(zen.errors) == {IPv4Address(f"127.255.255.{n}") for n in (252, 254, 255)}
    assert zones["spamhaus-dbl"].kinds == {TargetKind.DOMAIN}
    assert zones["spamhaus-dbl"].test_listed == "dbltest.com"
    assert zones["surbl-multi"].bits[8].startswith("SURBL PH")
    assert not zones["sorbs"].enabled  # SORBS closed in 2024
    for zone in zones.values():
        assert zone.rate_limit > 0, f"{zone.name}: public mirrors need a rate limit"


def test_rfc_5782_test_entries_default_by_kind() -> None:
    text = MINIMAL + """
[[zones]]
name = "six"
domain = "v6.example.net"
kinds = ["ipv6"]

[[zones]]
name = "names"
domain = "dbl.example.net"
kinds = ["domain"]
"""
    zones = {zone.name: zone for zone in parse_zones(text, "test.toml")}
    assert (zones["local"].test_listed, zones["local"].test_unlisted) == ("127.0.0.2", "127.0.0.1")
    assert zones["six"].test_listed == "::ffff:7f00:2"
    assert (zones["names"].test_listed, zones["names"].test_unlisted) == ("test", "invalid")


def test_defaults_apply_and_zones_override_them() -> None:
    text = """
[defaults]
resolver = "127.0.0.1:5353"
concurrency = 64
rate_limit = 0

[[zones]]
name = "a"
domain = "a.example.net"
kinds = ["ipv4"]

[[zones]]
name = "b"
domain = "b.example.net"
kinds = ["ipv4"]
resolver = "[::1]:53"
concurrency = 4
"""
    a, b = parse_zones(text, "t.toml")
    assert (a.resolver, a.concurrency, a.rate_limit) == ("127.0.0.1:5353", 64, 0.0)
    assert (b.resolver, b.concurrency) == ("[::1]:53", 4)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('rate_limt = 5', "unknown keys: rate_limt"),
        ('resolver = "dns.example:53"', "resolver"),
        ('timeout = 0', "timeout"),
        ('concurrency = 1.5', "concurrency: an integer"),
        ('enabled = "yes"', "enabled"),
        ('test_listed = "example.com"', "test_listed: a domain entry"),
        ('[zones.codes]\n"10.0.0.2" = "x"', "outside 127.0.0.0/8"),
        ('[zones.codes]\n"127.0.0.2" = ""', "meaning"),
        ('[zones.bits]\n"300" = "x"', "bits"),
        ('[zones.errors]\n"nonsense" = "x"', "not an IPv4 address"),
    ],
)
def test_mistakes_name_the_file_zone_and_field(extra: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_zones(MINIMAL + extra + "\n", "ops.toml")
    assert "ops.toml: zone 'local'" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no [[zones]]"),
        ("[[zones]\n", "not valid TOML"),
        ("[other]\n" + MINIMAL, "unknown top-level keys"),
        ("[defaults]\nkinds = ['ipv4']\n" + MINIMAL, "[defaults] may only set"),
        (MINIMAL + MINIMAL, "used twice: local"),
        (MINIMAL.replace('kinds = ["ipv4"]', 'kinds = ["ip4"]'), "kinds"),
        (MINIMAL.replace('kinds = ["ipv4"]', "kinds = []"), "kinds"),
        (MINIMAL.replace("bl.example.net", "bad domain"), "domain"),
        (MINIMAL.replace('"local"', '"Local Zone"'), "name"),
    ],
)
def test_malformed_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_zones(text, "ops.toml")
    assert message in str(caught.value)


def test_load_zones_reads_a_file_and_reports_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "zones.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert [zone.name for zone in load_zones(path)] == ["local"]
    with pytest.raises(ConfigurationError, match="missing.toml"):
        load_zones(tmp_path / "missing.toml")
