"""Targets: parsing user input, and the RFC 5782 query labels of addresses and domains."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abusedesk.domain.blocklists_targets import (
    TargetKind,
    entry_label,
    expand,
    ipv4_label,
    ipv6_label,
    parse_target,
    query_count,
    target_kind,
)
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import normalise_name


def test_ipv4_label_reverses_octets_as_rfc_5782_shows() -> None:
    # RFC 5782 2.1: 192.168.42.23 is looked up as 23.42.168.192.<zone>
    assert ipv4_label(int(ip_address("192.168.42.23"))) == "23.42.168.192"
    assert ipv4_label(int(ip_address("127.0.0.2"))) == "2.0.0.127"


def test_ipv6_label_is_32_reversed_nibbles_as_rfc_5782_shows() -> None:
    # RFC 5782 2.4: 2001:db8:1:2:3:4:567:89ab
    label = ipv6_label(int(ip_address("2001:db8:1:2:3:4:567:89ab")))
    assert label == "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"
    assert len(label.split(".")) == 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.7", IPv4Network("192.0.2.7/32")),
        (" 198.51.100.0/24 ", IPv4Network("198.51.100.0/24")),
        ("2001:db8::1", IPv6Network("2001:db8::1/128")),
        ("2001:db8:42::/48", IPv6Network("2001:db8:42::/48")),
        ("Shop.Example.COM.", "shop.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_parse_target_reads_addresses_prefixes_and_domains(text: str, expected: object) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "192.0.2.7/24", "1.2.3.999", "300.1.1.1", "exa mple.com", "-bad.example",
     "a" * 64 + ".example", "under..dots", "2001:db8::g"],
)
def test_parse_target_refuses_what_is_neither(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_target(text)


def test_domain_longer_than_dns_allows_is_refused() -> None:
    with pytest.raises(InvalidInput):
        normalise_name(".".join(["a" * 60] * 5))


def test_expand_ipv4_prefix_yields_every_address_in_order() -> None:
    pairs = list(expand(IPv4Network("192.0.2.254/31")))
    assert pairs == [("192.0.2.254", "254.2.0.192"), ("192.0.2.255", "255.2.0.192")]
    assert len(list(expand(IPv4Network("10.1.0.0/22")))) == 1024


def test_expand_ipv6_prefix_asks_once_per_64() -> None:
    prefix = IPv6Network("2001:db8:0:ff00::/56")
    pairs = list(expand(prefix))
    assert len(pairs) == 256 == query_count(prefix)
    assert pairs[0][0] == "2001:db8:0:ff00::"
    assert pairs[1][0] == "2001:db8:0:ff01::"
    assert pairs[-1][0] == "2001:db8:0:ffff::"
    assert pairs[1][1] == ipv6_label(int(ip_address("2001:db8:0:ff01::")))


def test_a_longer_ipv6_prefix_than_64_is_asked_once() -> None:
    prefix = IPv6Network("2001:db8::5/128")
    assert list(expand(prefix)) == [("2001:db8::5", ipv6_label(int(ip_address("2001:db8::5"))))]
    assert query_count(IPv6Network("2001:db8::/48"), ipv6_prefixlen=56) == 256


def test_domain_target_is_its_own_label() -> None:
    assert list(expand("spam.example")) == [("spam.example", "spam.example")]
    assert target_kind("spam.example") is TargetKind.DOMAIN
    assert target_kind(IPv6Network("::1/128")) is TargetKind.IPV6


def test_entry_label_knows_test_entries_of_each_kind() -> None:
    assert entry_label("127.0.0.2") == (TargetKind.IPV4, "2.0.0.127")
    kind, label = entry_label("::ffff:7f00:2")
    assert kind is TargetKind.IPV6 and label.startswith("2.0.0.0.0.0.f.7.f.f.f.f.")
    assert entry_label("TEST") == (TargetKind.DOMAIN, "test")


@given(st.ip_addresses())
def test_every_label_reads_back_as_its_address(address: IPv4Address | IPv6Address) -> None:
    kind, label = entry_label(str(address))
    parts = label.split(".")
    if kind is TargetKind.IPV4:
        assert ip_address(".".join(reversed(parts))) == address
    else:
        assert len(parts) == 32
        assert int("".join(reversed(parts)), 16) == int(address)
