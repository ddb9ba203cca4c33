"""Which written consents can cover which complaints."""

from __future__ import annotations

from datetime import UTC, datetime

from abusedesk.domain.cases_consent import consent_kinds_for, covering_consent, describe_consent
from abusedesk.domain.customers import Consent
from abusedesk.policies.loader import load_builtin_policy

POLICY = load_builtin_policy()
SCANNING = Consent("scanning", ("198.51.100.128/25",), datetime(2026, 1, 1, tzinfo=UTC),
                   datetime(2026, 7, 1, tzinfo=UTC), "CISO", "AUTH-2026-004")
MARCH = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_scanning_consent_can_excuse_scans_but_never_a_flood_under_the_same_clause() -> None:
    clause = POLICY.clause("conduct.3c")
    assert consent_kinds_for(clause, xarf_pair="connection/port_scan") == ("scanning",)
    assert consent_kinds_for(clause, xarf_pair="connection/ddos") == ()
    assert consent_kinds_for(clause, xarf_pair="other/x", rsit_type="scanner") == ("scanning",)


def test_vulnerability_testing_consent_belongs_to_clause_3f() -> None:
    kinds = consent_kinds_for(POLICY.clause("conduct.3f"),
                              xarf_pair="connection/vulnerability_scan")
    assert kinds == ("vulnerability-testing",)
    assert consent_kinds_for(POLICY.clause("conduct.5a"), xarf_pair="messaging/spam") == ()


def test_a_consent_covers_only_its_scope_and_its_time() -> None:
    kinds = ("scanning",)
    assert covering_consent([SCANNING], kinds=kinds, resources=["198.51.100.200"],
                            at=MARCH) is SCANNING
    assert covering_consent([SCANNING], kinds=kinds, resources=["198.51.100.20"], at=MARCH) is None
    assert covering_consent([SCANNING], kinds=kinds, resources=["198.51.100.200"],
                            at=datetime(2026, 7, 1, tzinfo=UTC)) is None
    assert covering_consent([SCANNING], kinds=("vulnerability-testing",),
                            resources=["198.51.100.200"], at=MARCH) is None
    assert covering_consent([SCANNING], kinds=(), resources=["198.51.100.200"], at=MARCH) is None


def test_the_description_names_kind_scope_window_and_document() -> None:
    text = describe_consent(SCANNING)
    for part in ("scanning", "198.51.100.128/25", "2026-01-01", "2026-07-01", "CISO",
                 "AUTH-2026-004"):
        assert part in text
