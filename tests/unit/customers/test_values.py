"""Reading what a complaint names, and canonical asset values."""

from __future__ import annotations

import pytest

from abusedesk.domain.customers import AssetKind, Consent
from abusedesk.domain.customers_values import (
    QueryKind,
    format_deadline,
    normalise_asset,
    parse_deadline,
    parse_query,
)
from abusedesk.domain.errors import InvalidInput


@pytest.mark.parametrize(("value", "kind", "key"), [
    ("198.51.100.7", QueryKind.ADDRESS, "198.51.100.7"),
    (" 198.51.100.7:25 ", QueryKind.ADDRESS, "198.51.100.7"),
    ("2001:DB8::1", QueryKind.ADDRESS, "2001:db8::1"),
    ("[2001:db8::1]:443", QueryKind.ADDRESS, "2001:db8::1"),
    ("::ffff:192.0.2.5", QueryKind.ADDRESS, "192.0.2.5"),
    ("198.51.100.0/28", QueryKind.ADDRESS, "198.51.100.0/28"),
    ("http://[2001:db8:1000::5]:8080/login", QueryKind.ADDRESS, "2001:db8:1000::5"),
    ("https://Shop.Example.NET/phish?id=1", QueryKind.NAME, "shop.example.net"),
    ("ftp://bad.example.com/x", QueryKind.NAME, "bad.example.com"),
    ("Spammer <sales@Mail.Example.com>", QueryKind.NAME, "mail.example.com"),
    ("mailto:abuse@example.org", QueryKind.NAME, "example.org"),
    ("www.example.org.", QueryKind.NAME, "www.example.org"),
    ("www.example.org:8443", QueryKind.NAME, "www.example.org"),
    ("bücher.example", QueryKind.NAME, "xn--bcher-kva.example"),
    ("AS64501", QueryKind.ASN, "AS64501"),
])
def test_values_are_read_into_one_canonical_key(value: str, kind: QueryKind, key: str) -> None:
    query = parse_query(value)
    assert (query.kind, query.key) == (kind, key)


@pytest.mark.parametrize("value", ["", "not a host", "http:///nohost", "-bad-.example.com",
                                   "a@", "1.2.3.4.5"])
def test_unreadable_values_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_query(value)


def test_a_prefix_with_host_bits_names_the_likely_meaning() -> None:
    with pytest.raises(InvalidInput, match="did you mean 192.0.2.0/24"):
        normalise_asset(AssetKind.PREFIX, "192.0.2.5/24")
    assert normalise_asset(AssetKind.PREFIX, "192.0.2.5") == "192.0.2.5/32"
    assert normalise_asset(AssetKind.PREFIX, "2001:0DB8:0000::/32") == "2001:db8::/32"
    assert normalise_asset(AssetKind.ASN, "as64496") == "AS64496"
    with pytest.raises(InvalidInput):
        normalise_asset(AssetKind.ASN, "AS0")


def test_deadlines_round_trip_in_hours() -> None:
    for text in ("PT48H", "PT24H", "PT1H30M", "promptly", "none"):
        assert format_deadline(parse_deadline(text)) == text
    assert format_deadline(parse_deadline("P2D")) == "PT48H"
    with pytest.raises(InvalidInput):
        parse_deadline("48 hours")


def test_a_consent_covers_its_prefixes_and_names_only() -> None:
    from datetime import UTC, datetime

    consent = Consent("scanning", ("198.51.100.128/25", "scan.example.com"),
                      datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC), "CISO")
    assert consent.covers("198.51.100.200")
    assert consent.covers("198.51.100.192/26")
    assert not consent.covers("198.51.100.0/24")  # larger than the scope
    assert not consent.covers("198.51.100.1")
    assert consent.covers("node1.scan.example.com")
    assert not consent.covers("example.com")
    assert not consent.covers("2001:db8::1")
    assert consent.is_valid_at(datetime(2026, 6, 30, tzinfo=UTC))
    assert not consent.is_valid_at(datetime(2026, 7, 1, tzinfo=UTC))
