"""Resolution through the container on both engines, and staying fresh across processes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from abusedesk.bootstrap import Container, build_container

MARCH = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def loaded(container: Container) -> Container:
    container.customers.import_sample()
    return container


def test_an_address_resolves_to_its_holder_around_a_reassignment(loaded: Container) -> None:
    before = loaded.resolver.resolve("198.51.100.7", at=datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    after = loaded.resolver.resolve("198.51.100.7", at=datetime(2026, 2, 1, tzinfo=UTC))
    assert (before.customer_ref, before.matched) == ("C-1003", "198.51.100.0/26")
    assert before.valid_until == datetime(2026, 2, 1, tzinfo=UTC)
    assert (after.customer_ref, after.matched) == ("C-1004", "198.51.100.0/26")
    assert after.notify_customer_id == after.customer_id


def test_a_partners_customer_is_resolved_and_the_partner_is_told(loaded: Container) -> None:
    result = loaded.resolver.resolve("203.0.113.70", at=MARCH)
    assert (result.customer_ref, result.matched) == ("P-2001-01", "203.0.113.64/27")
    assert result.notify_customer_ref == "P-2001"
    partner = loaded.customers.get("P-2001")
    assert result.notify_customer_id == partner.id
    # the partner's own address space around it is the partner's
    assert loaded.resolver.resolve("203.0.113.5", at=MARCH).customer_ref == "P-2001"


def test_names_urls_and_mail_domains_resolve_by_their_host(loaded: Container) -> None:
    cases = {
        "www.meadow.example.net": ("P-2001-01", "meadow.example.net", "P-2001"),
        "https://cdn.shop.example.org/login.php": ("P-2001-02", "example.org", "P-2001"),
        "status.example.org": ("C-1001", "status.example.org", "C-1001"),
        "Sender <newsletter@mail.example.com>": ("C-1001", "example.com", "C-1001"),
        "http://[2001:db8:2100::9]/": ("P-2001-02", "2001:db8:2100::/48", "P-2001"),
        "AS64501": ("P-2001", "AS64501", "P-2001"),
    }
    for value, (ref, matched, notify) in cases.items():
        result = loaded.resolver.resolve(value, at=MARCH)
        assert (result.customer_ref, result.matched, result.notify_customer_ref) == (
            ref, matched, notify), value


def test_what_is_not_ours_says_why(loaded: Container) -> None:
    resolve = loaded.resolver.resolve
    assert "no prefix" in resolve("192.0.2.200", at=MARCH).reason
    early = resolve("198.51.100.7", at=datetime(2023, 1, 1, tzinfo=UTC))
    assert not early.is_ours and "198.51.100.0/26" in early.reason
    unknown = resolve("mail.example.edu", at=MARCH).reason
    assert "no customer holds mail.example.edu" in unknown and "up to example.edu" in unknown
    assert "public suffix" in resolve("co.uk", at=MARCH).reason
    assert "not an IP address" in resolve("<<>>", at=MARCH).reason


def test_another_process_sees_an_import_through_the_change_stamp(loaded: Container) -> None:
    other = build_container(loaded.settings, clock=loaded.clock)
    try:
        assert other.resolver.resolve("192.0.2.10", at=MARCH).customer_ref == "C-1001"
        csv_text = ("ref,name,rep_email,asset,from\n"
                    "C-2000,Newcomer Ltd,abuse@newcomer.example.com,192.0.2.0/27,2026-02-20\n")
        assert loaded.customers.import_text(csv_text, fmt="csv").applied
        other.resolver.invalidate()  # as if its check interval had passed
        assert other.resolver.resolve("192.0.2.10", at=MARCH).customer_ref == "C-2000"
        assert other.resolver.resolve("192.0.2.10", at=datetime(2026, 2, 1, tzinfo=UTC)
                                      ).customer_ref == "C-1001"
    finally:
        other.close()


def test_an_empty_database_resolves_nothing(container: Container) -> None:
    result = container.resolver.resolve("198.51.100.7", at=MARCH)
    assert not result.is_ours and result.reason
