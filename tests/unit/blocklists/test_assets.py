"""What a sweep of customer assets asks: prefixes held now, each address once, domains,
IPv6 only for zones that list it, and listed entries nobody holds any more."""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import ip_network

from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.customers import AssetKind
from abusedesk.domain.customers_index import IndexRow
from abusedesk.services.blocklist_assets import CustomerAssets

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LAST_YEAR = datetime(2025, 3, 1, tzinfo=UTC)
ALL_KINDS = {TargetKind.IPV4, TargetKind.IPV6, TargetKind.DOMAIN}


def row(asset_id: int, customer_id: int, kind: AssetKind, value: str,
        valid_from: datetime | None = None, valid_until: datetime | None = None) -> IndexRow:
    return IndexRow(asset_id, customer_id, kind, value, valid_from, valid_until)


def texts(source: CustomerAssets) -> list[tuple[str, str | None]]:
    return [(item.text, item.ref) for item in source.targets()]


def test_a_sub_customers_block_inside_its_partners_is_asked_once() -> None:
    rows = [row(1, 10, AssetKind.PREFIX, "203.0.113.0/24"),
            row(2, 11, AssetKind.PREFIX, "203.0.113.128/25"),
            row(3, 12, AssetKind.PREFIX, "192.0.2.0/25")]
    source = CustomerAssets(rows, NOW, kinds=ALL_KINDS)
    assert texts(source) == [("192.0.2.0/25", "asset:3"), ("203.0.113.0/24", "asset:1")]


def test_adjacent_blocks_merge_and_only_windows_valid_now_count() -> None:
    rows = [row(1, 10, AssetKind.PREFIX, "198.51.100.0/25"),
            row(2, 11, AssetKind.PREFIX, "198.51.100.128/25"),
            row(3, 12, AssetKind.PREFIX, "192.0.2.0/24", valid_until=LAST_YEAR),  # given back
            row(4, 13, AssetKind.PREFIX, "192.0.2.64/26", valid_from=datetime(2027, 1, 1,
                                                                              tzinfo=UTC))]
    source = CustomerAssets(rows, NOW, kinds=ALL_KINDS)
    assert texts(source) == [("198.51.100.0/24", None)]


def test_a_merge_too_large_to_sweep_falls_back_to_the_blocks_as_held() -> None:
    rows = [row(1, 10, AssetKind.PREFIX, "10.0.0.0/25"),
            row(2, 11, AssetKind.PREFIX, "10.0.0.128/25")]
    source = CustomerAssets(rows, NOW, kinds=ALL_KINDS, max_queries=128)
    assert texts(source) == [("10.0.0.0/25", "asset:1"), ("10.0.0.128/25", "asset:2")]


def test_ipv6_and_domains_only_when_a_zone_lists_them() -> None:
    rows = [row(1, 10, AssetKind.PREFIX, "2001:db8:100::/48"),
            row(2, 10, AssetKind.PREFIX, "192.0.2.0/28"),
            row(3, 10, AssetKind.DOMAIN, "Harbour.Example."),
            row(4, 10, AssetKind.HOSTNAME, "mail.harbour.example"),
            row(5, 11, AssetKind.DOMAIN, "harbour.example"),
            row(6, 12, AssetKind.ASN, "AS64496")]
    everything = CustomerAssets(rows, NOW, kinds=ALL_KINDS)
    assert texts(everything) == [("192.0.2.0/28", "asset:2"), ("2001:db8:100::/48", "asset:1"),
                                 ("harbour.example", "asset:3"),
                                 ("mail.harbour.example", "asset:4")]
    ipv4_only = CustomerAssets(rows, NOW, kinds={TargetKind.IPV4})
    assert texts(ipv4_only) == [("192.0.2.0/28", "asset:2")]
    assert ipv4_only.skipped == {"ipv6 prefixes: no zone in use lists ipv6": 1,
                                 "domains: no zone in use lists domains": 3}


def test_listed_entries_nobody_holds_are_asked_so_their_delisting_is_seen() -> None:
    rows = [row(1, 10, AssetKind.PREFIX, "192.0.2.0/25"),
            row(2, 10, AssetKind.DOMAIN, "harbour.example")]
    listed = ["192.0.2.10", "198.18.0.5", "harbour.example", "old-shop.example",
              "2001:db8:bad::"]
    source = CustomerAssets(rows, NOW, kinds={TargetKind.IPV4, TargetKind.DOMAIN},
                            listed=listed)
    assert source.held == 2
    assert texts(source)[2:] == [("198.18.0.5/32", "listed"), ("old-shop.example", "listed")]
    assert all(ip_network("192.0.2.10") != item.target for item in source.targets())
