"""Judging a zone by its RFC 5782 test entries."""

from __future__ import annotations

from datetime import UTC, datetime

from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.blocklists_zones import (
    ErrorKind,
    LookupResult,
    Outcome,
    Zone,
    ZoneHealthStatus,
    assess_health,
)

AT = datetime(2026, 3, 2, tzinfo=UTC)
ZONE = Zone("bl", "bl.example", frozenset({TargetKind.IPV4}))


def probe(
    entry: str, outcome: Outcome, *codes: str, error: ErrorKind | None = None
) -> LookupResult:
    return LookupResult("bl", entry, f"{entry}.bl.example", outcome, AT, codes=codes, error=error,
                        detail="127.255.255.254: refused" if error else "")


def test_listed_test_entry_and_unlisted_control_is_healthy() -> None:
    health = assess_health(ZONE, probe("127.0.0.2", Outcome.LISTED, "127.0.0.2"),
                           probe("127.0.0.1", Outcome.NOT_LISTED))
    assert health.status is ZoneHealthStatus.HEALTHY and health.usable


def test_zone_not_listing_its_test_entry_is_dead() -> None:
    health = assess_health(ZONE, probe("127.0.0.2", Outcome.NOT_LISTED),
                           probe("127.0.0.1", Outcome.NOT_LISTED))
    assert health.status is ZoneHealthStatus.DEAD and not health.usable
    assert "127.0.0.2" in health.detail


def test_zone_listing_127_0_0_1_lists_everything() -> None:
    health = assess_health(ZONE, probe("127.0.0.2", Outcome.LISTED, "127.0.0.2"),
                           probe("127.0.0.1", Outcome.LISTED, "127.0.0.2"))
    assert health.status is ZoneHealthStatus.LISTS_EVERYTHING and not health.usable


def test_a_failed_probe_makes_the_zone_failing_with_the_reason() -> None:
    health = assess_health(ZONE, probe("127.0.0.2", Outcome.ERROR, error=ErrorKind.LIST_REFUSED),
                           probe("127.0.0.1", Outcome.NOT_LISTED))
    assert health.status is ZoneHealthStatus.FAILING
    assert "list-refused" in health.detail and "127.255.255.254" in health.detail
