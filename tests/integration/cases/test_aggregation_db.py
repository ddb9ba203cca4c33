"""Events into cases in the database: joining, idempotence, reopening, linked cases,
repeat offences, consent."""

from __future__ import annotations

from datetime import timedelta

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_ports import CaseFilter
from abusedesk.domain.clock import FrozenClock
from tests.integration.cases.conftest import Pipeline, arf_complaint, xarf_report


def _cases(pipeline: Pipeline):
    return [item.case for item in pipeline.desk.queries.list(CaseFilter())]


def test_reports_of_one_offender_and_clause_make_one_case(pipeline: Pipeline) -> None:
    pipeline.submit(arf_complaint("192.0.2.10", message_id="a@isp.example"))
    pipeline.submit(arf_complaint("192.0.2.10", message_id="b@isp.example",
                                  arrival="Sun, 01 Mar 2026 09:12:00 +0000"))
    pipeline.submit(arf_complaint("192.0.2.11", message_id="c@isp.example"))
    cases = _cases(pipeline)
    assert sorted((c.offender, c.event_count) for c in cases) == [("192.0.2.10", 2),
                                                                   ("192.0.2.11", 1)]
    (ten,) = [c for c in cases if c.offender == "192.0.2.10"]
    assert ten.last_event_at - ten.first_event_at == timedelta(hours=1, minutes=13, seconds=19)


def test_aggregating_a_complaint_again_changes_nothing(pipeline: Pipeline) -> None:
    complaint_id = pipeline.submit(arf_complaint("192.0.2.10"))
    again = pipeline.desk.cases.aggregate_complaint(complaint_id)
    assert again.opened == [] and again.joined == [_cases(pipeline)[0].reference]
    (case,) = _cases(pipeline)
    assert case.event_count == 1
    with pipeline.container.uow() as uow:
        assert len(uow.notices.for_case(case.id)) == 1
        assert len(uow.notices.for_complaint(complaint_id)) == 2  # notice + acknowledgement


def test_events_not_ours_or_without_a_clause_make_no_case(pipeline: Pipeline) -> None:
    report_id = pipeline.submit(arf_complaint("198.18.0.1"))
    assert _cases(pipeline) == []
    assert pipeline.desk.cases.aggregate_complaint(report_id).skipped == 1


def test_a_closed_case_reopens_within_the_window_and_links_after_it(
        pipeline: Pipeline, clock: FrozenClock) -> None:
    pipeline.submit(arf_complaint("192.0.2.10", message_id="a@isp.example"))
    pipeline.send_queued()
    first = _cases(pipeline)[0]
    pipeline.desk.cases.transition(first.reference, CaseState.RESOLVED, actor="ann",
                                   reason="customer removed the mailer")
    pipeline.desk.cases.transition(first.reference, CaseState.CLOSED, actor="ann",
                                   reason="verified")
    clock.advance(timedelta(days=10))
    pipeline.submit(arf_complaint("192.0.2.10", message_id="b@isp.example",
                                  arrival="Wed, 11 Mar 2026 10:00:00 +0000"))
    (reopened,) = _cases(pipeline)
    assert (reopened.id, reopened.state, reopened.reopen_count) == (first.id, CaseState.NEW, 1)
    pipeline.send_queued()
    assert pipeline.desk.queries.detail(first.reference).case.state is CaseState.NOTIFIED

    pipeline.desk.cases.transition(first.reference, CaseState.DISMISSED, actor="ann",
                                   reason="the second report was a forwarding loop")
    pipeline.submit(arf_complaint("192.0.2.10", message_id="c@isp.example",
                                  arrival="Thu, 12 Mar 2026 10:00:00 +0000"))
    newest, older = _cases(pipeline)
    assert older.id == first.id and older.state is CaseState.DISMISSED
    assert newest.previous_case_id == first.id and newest.state is CaseState.NEW
    detail = pipeline.desk.queries.detail(newest.reference)
    assert detail.previous_reference == first.reference


def test_repeat_offences_are_counted_per_customer(pipeline: Pipeline) -> None:
    for n, ip in enumerate(("192.0.2.10", "192.0.2.11", "192.0.2.12")):
        pipeline.submit(arf_complaint(ip, message_id=f"{n}@isp.example"))
    pipeline.submit(arf_complaint("203.0.113.7", message_id="p@isp.example"))
    listing = pipeline.desk.queries.list(CaseFilter())
    counts = {item.case.offender: item.offences for item in listing}
    assert counts == {"192.0.2.10": 3, "192.0.2.11": 3, "192.0.2.12": 3, "203.0.113.7": 1}
    names = {item.customer_name for item in listing}
    assert names == {"Harbour Widgets Ltd", "Riverbank Resellers"}
    dismissed = next(i.case for i in listing if i.case.offender == "192.0.2.12")
    pipeline.desk.cases.transition(dismissed.reference, CaseState.DISMISSED, actor="ann",
                                   reason="false positive")
    assert pipeline.desk.queries.offences(dismissed.customer_id) == 2


def test_a_scan_covered_by_written_consent_is_marked_and_never_notified(
        pipeline: Pipeline, relay, clock: FrozenClock) -> None:
    pipeline.submit(xarf_report("connection", "port_scan", "198.51.100.200",
                                date="2026-03-01T10:00:00Z"), xarf=True)
    (case,) = _cases(pipeline)
    assert case.state is CaseState.CLOSED and case.covered_by_consent
    assert "AUTH-2026-004" in (case.consent_note or "")
    pipeline.send_queued()
    assert relay.to("soc@lantern.example") == []
    assert relay.to("reports@scanner-watch.example") != []  # the reporter is still answered
    clock.advance(timedelta(days=30))
    report = pipeline.desk.deadlines.check()
    assert report.escalated == [] and report.reminded == []
    assert _cases(pipeline)[0].state is CaseState.CLOSED


def test_the_same_scan_outside_the_consent_window_is_a_case(pipeline: Pipeline, relay) -> None:
    pipeline.submit(xarf_report("connection", "port_scan", "198.51.100.200",
                                date="2026-08-01T10:00:00Z"), xarf=True)
    (case,) = _cases(pipeline)
    assert case.state is CaseState.NEW and not case.covered_by_consent
    assert case.deadline == timedelta(hours=24)  # the agreement's term for clause 3c
    assert "customer agreement" in case.deadline_source
    pipeline.send_queued()
    assert len(relay.to("soc@lantern.example")) == 1


def test_a_flood_from_a_consented_scanner_is_not_covered(pipeline: Pipeline) -> None:
    pipeline.submit(xarf_report("connection", "ddos", "198.51.100.200",
                                date="2026-03-01T10:00:00Z"), xarf=True)
    (case,) = _cases(pipeline)
    assert case.clause_id == "conduct.3c" and not case.covered_by_consent
    assert case.state is CaseState.NEW
