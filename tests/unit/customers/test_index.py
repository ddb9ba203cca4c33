"""The resolution index: longest-prefix and longest-suffix matching with validity windows."""

from __future__ import annotations

from datetime import UTC, datetime

from abusedesk.domain.customers import AssetKind
from abusedesk.domain.customers_index import IndexRow, ResolutionIndex


def at(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()


def day(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def registrable(name: str) -> str | None:
    """A two-rule stand-in for the public suffix list: com/net/org and co.uk are suffixes."""
    labels = name.split(".")
    if name in ("com", "net", "org", "uk", "co.uk"):
        return None
    size = 3 if name.endswith(".co.uk") else 2
    return ".".join(labels[-size:])


def build(*rows: tuple[int, int, AssetKind, str, str | None, str | None]) -> ResolutionIndex:
    return ResolutionIndex(
        [IndexRow(asset, customer, kind, value, day(start), day(end))
         for asset, customer, kind, value, start, end in rows],
        registrable)


P = AssetKind.PREFIX
D = AssetKind.DOMAIN
H = AssetKind.HOSTNAME


def owner(index: ResolutionIndex, address: str, when: str) -> int | None:
    window = index.lookup_address(address, at(when))
    return None if window is None else window.customer_id


def test_the_longest_prefix_wins_for_ipv4_and_ipv6() -> None:
    index = build((1, 10, P, "203.0.113.0/24", None, None),
                  (2, 20, P, "203.0.113.64/27", None, None),
                  (3, 30, P, "2001:db8::/32", None, None),
                  (4, 40, P, "2001:db8:2000::/36", None, None))
    assert owner(index, "203.0.113.70", "2026-01-01") == 20
    assert owner(index, "203.0.113.10", "2026-01-01") == 10
    assert owner(index, "2001:db8:2abc::1", "2026-01-01") == 40
    assert owner(index, "2001:db8:1::1", "2026-01-01") == 30
    assert owner(index, "198.51.100.1", "2026-01-01") is None
    assert index.lookup_address("203.0.113.70", at("2026-01-01")).matched == "203.0.113.64/27"


def test_a_moved_block_resolves_to_the_holder_at_the_time() -> None:
    index = build((1, 10, P, "198.51.100.0/26", "2024-03-01", "2026-02-01"),
                  (2, 20, P, "198.51.100.0/26", "2026-02-01", None))
    assert owner(index, "198.51.100.7", "2026-01-31T23:59:59") == 10
    assert owner(index, "198.51.100.7", "2026-02-01") == 20
    assert owner(index, "198.51.100.7", "2024-02-29") is None  # before anyone held it


def test_without_a_covering_window_the_parent_prefix_answers() -> None:
    index = build((1, 10, P, "192.0.2.0/24", "2020-01-01", None),
                  (2, 20, P, "192.0.2.128/25", "2025-06-01", None),
                  (3, 30, P, "192.0.2.192/26", "2025-09-01", "2025-10-01"))
    assert owner(index, "192.0.2.200", "2025-09-15") == 30
    assert owner(index, "192.0.2.200", "2025-11-01") == 20  # /26 window closed: the /25
    assert owner(index, "192.0.2.200", "2025-01-01") == 10  # before the /25: the /24
    assert owner(index, "192.0.2.200", "2019-01-01") is None


def test_names_take_the_exact_host_then_the_longest_domain() -> None:
    index = build((1, 10, D, "example.org", None, None),
                  (2, 20, H, "status.example.org", None, None),
                  (3, 30, D, "shop.example.org", None, None),
                  (4, 40, D, "example.co.uk", "2025-01-01", None))
    def customer(name: str, when: str = "2026-01-01") -> int | None:
        found = index.lookup_name(name, at(when)).window
        return None if found is None else found.customer_id
    assert customer("status.example.org") == 20
    assert customer("www.status.example.org") == 10  # a host name covers itself only
    assert customer("a.b.shop.example.org") == 30
    assert customer("example.org") == 10
    assert customer("www.example.co.uk") == 40
    assert customer("www.example.co.uk", "2024-06-01") is None
    early = index.lookup_name("www.example.co.uk", at("2024-06-01"))
    assert early.nearest.matched == "example.co.uk"
    assert customer("example.net") is None
    assert index.lookup_name("co.uk", at("2026-01-01")).registrable is None


def test_a_lookalike_suffix_does_not_match() -> None:
    index = build((1, 10, D, "example.org", None, None))
    assert index.lookup_name("badexample.org", at("2026-01-01")).window is None
    assert index.lookup_name("example.org.evil.net", at("2026-01-01")).window is None


def test_asns_have_windows_too() -> None:
    index = build((1, 10, AssetKind.ASN, "AS64501", None, "2025-01-01"),
                  (2, 20, AssetKind.ASN, "AS64501", "2025-01-01", None))
    assert index.lookup_asn("AS64501", at("2024-12-31"))[0].customer_id == 10
    assert index.lookup_asn("AS64501", at("2025-01-02"))[0].customer_id == 20
    assert index.lookup_asn("AS64502", at("2025-01-02")) == (None, None)
