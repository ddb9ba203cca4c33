"""Which case an event joins: the key, the window, reopening and linked cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.domain.cases import (
    AggregationKind,
    CaseKey,
    CaseSnapshot,
    CaseState,
    case_reference,
    decide_aggregation,
    offender_resource,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
K = AggregationKind


def snapshot(state: CaseState, *, resolved: datetime | None = None,
             closed: datetime | None = None, covered: bool = False) -> CaseSnapshot:
    return CaseSnapshot(17, state, resolved, closed, covered)


def test_first_event_opens_a_case() -> None:
    assert decide_aggregation(None, T0, WINDOW).kind is K.OPEN


@pytest.mark.parametrize("state", [CaseState.NEW, CaseState.NOTIFIED, CaseState.ACKNOWLEDGED,
                                   CaseState.AWAITING_CUSTOMER, CaseState.ESCALATED,
                                   CaseState.SUSPENDED])
def test_events_join_an_open_case_whatever_their_time(state: CaseState) -> None:
    for event_at in (T0 - timedelta(days=400), T0, T0 + timedelta(days=400)):
        decision = decide_aggregation(snapshot(state), event_at, WINDOW)
        assert (decision.kind, decision.case_id) == (K.JOIN, 17)


def test_a_resolved_case_reopens_on_an_event_after_the_remedy_only() -> None:
    resolved = snapshot(CaseState.RESOLVED, resolved=T0)
    assert decide_aggregation(resolved, T0 + timedelta(minutes=1), WINDOW).kind is K.REOPEN
    assert decide_aggregation(resolved, T0 - timedelta(hours=5), WINDOW).kind is K.JOIN


def test_a_closed_case_reopens_within_the_window_and_links_after_it() -> None:
    closed = snapshot(CaseState.CLOSED, closed=T0)
    assert decide_aggregation(closed, T0 + WINDOW, WINDOW).kind is K.REOPEN
    late = decide_aggregation(closed, T0 + WINDOW + timedelta(seconds=1), WINDOW)
    assert (late.kind, late.case_id) == (K.OPEN_LINKED, 17)
    assert "closed" in late.reason


def test_a_late_report_of_an_event_before_closing_is_kept_as_evidence() -> None:
    closed = snapshot(CaseState.CLOSED, closed=T0)
    decision = decide_aggregation(closed, T0 - timedelta(days=2), WINDOW)
    assert (decision.kind, decision.case_id) == (K.JOIN, 17)


@pytest.mark.parametrize("state", [CaseState.DISMISSED, CaseState.TERMINATED])
def test_dismissed_and_terminated_cases_are_never_reopened_by_events(state: CaseState) -> None:
    decision = decide_aggregation(snapshot(state, closed=T0), T0 + timedelta(hours=1), WINDOW)
    assert (decision.kind, decision.case_id) == (K.OPEN_LINKED, 17)


def test_a_covered_event_never_reopens() -> None:
    closed = snapshot(CaseState.CLOSED, closed=T0)
    assert decide_aggregation(closed, T0 + timedelta(days=1), WINDOW,
                              covered=True).kind is K.OPEN_LINKED
    resolved = snapshot(CaseState.RESOLVED, resolved=T0)
    assert decide_aggregation(resolved, T0 + timedelta(days=1), WINDOW,
                              covered=True).kind is K.JOIN


def test_a_case_closed_as_covered_takes_covered_events_and_reopens_on_uncovered_ones() -> None:
    consent_case = snapshot(CaseState.CLOSED, closed=T0, covered=True)
    # the same complaint's events predate the closing: covered ones join, others reopen
    assert decide_aggregation(consent_case, T0 - timedelta(hours=1), WINDOW,
                              covered=True).kind is K.JOIN
    uncovered = decide_aggregation(consent_case, T0 - timedelta(hours=1), WINDOW)
    assert uncovered.kind is K.REOPEN and "consent" in uncovered.reason
    assert decide_aggregation(consent_case, T0 + WINDOW * 2, WINDOW).kind is K.OPEN_LINKED


@pytest.mark.parametrize(("fields", "expected"), [
    ({"ip": "2001:DB8:0:0::1"}, "2001:db8::1"),
    ({"ip": "192.0.2.7", "url": "http://elsewhere.example/"}, "192.0.2.7"),
    ({"url": "https://Phish.Example.COM./login?x=1"}, "phish.example.com"),
    ({"url": "phish.example.com/path"}, "phish.example.com"),
    ({"url": "http://[2001:db8::5]:8080/x"}, "2001:db8::5"),
    ({"domain": "Shop.Example."}, "shop.example"),
    ({"email": "Offers@News.Example.com"}, "news.example.com"),
    ({}, None),
])
def test_offender_resource_normalises_so_reports_of_one_thing_meet(fields: dict,
                                                                   expected: str | None) -> None:
    assert offender_resource(**fields) == expected


def test_ten_paths_on_one_phishing_host_are_one_key() -> None:
    keys = {CaseKey(5, "conduct.2b", offender_resource(url=f"http://bad.example/p/{n}") or "")
            for n in range(10)}
    assert len(keys) == 1


def test_case_reference_format() -> None:
    assert case_reference(123, T0) == "AD-2026-000123"
