"""The processing job: stored complaint -> events -> clauses and customer -> stored; quarantine
and replay; idempotence. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from ipaddress import ip_address

import pytest

from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import Channel, ComplaintStatus, ContentType
from abusedesk.domain.complaints_events import Outcome
from abusedesk.domain.errors import ParseError
from abusedesk.interfaces.workers.complaints import complaint_processor
from abusedesk.services.intake import IntakeService
from abusedesk.services.intake_records import ComplaintRecords
from abusedesk.services.processing import ComplaintProcessor, ParsedComplaint
from abusedesk.services.processing_setup import parse_options, parser, policy_timeline
from tests.integration.intake.conftest import queued_jobs, sqlite_only
from tests.support.policies import small_policy_text
from tests.support.smtp import arf_complaint

CUSTOMERS = {
    "format": "abusedesk-customers/1",
    "customers": [
        {"ref": "C-1", "name": "Harbour Mail", "kind": "customer",
         "representative": {"name": "Hal", "email": "it@harbour.example.org"},
         "assets": [{"kind": "prefix", "value": "192.0.2.0/26", "from": "2025-01-01",
                     "until": "2026-03-01"}]},
        {"ref": "C-2", "name": "Quay Shop", "kind": "customer",
         "representative": {"name": "Quinn", "email": "sec@quay.example.com"},
         "assets": [{"kind": "prefix", "value": "192.0.2.0/26", "from": "2026-03-01"}]},
        {"ref": "P-1", "name": "Riverbank Resellers", "kind": "partner",
         "representative": {"name": "Rita", "email": "abuse@riverbank.example.net"},
         "assets": [{"kind": "prefix", "value": "198.51.100.0/24", "from": "2024-01-01"}]},
        {"ref": "P-1-01", "name": "Meadow Florists", "kind": "customer", "parent": "P-1",
         "representative": {"name": "Mia", "email": "owner@meadow.example.net"},
         "assets": [{"kind": "prefix", "value": "198.51.100.0/27", "from": "2025-05-01"}]},
    ],
}


@pytest.fixture
def loaded(container: Container) -> Container:
    """Customers above, and a second policy (example-aup 1.0) in force from 2026-04-01."""
    report = container.customers.import_text(json.dumps(CUSTOMERS), fmt="json")
    assert report.applied
    stored = container.policies.load(small_policy_text("1.0"), source="test policy")
    container.policies.publish(stored.label, notice_date=date(2026, 3, 2))
    return container


def _customer_id(container: Container, ref: str) -> int:
    return container.customers.get(ref).id


def _arf(ip: str, number: int, arrival: datetime, **options: object) -> bytes:
    return arf_complaint(source_ip=ip, message_id=f"p-{number}@feedback.example.org",
                         arrival=arrival, **options)  # type: ignore[arg-type]


def _processor(container: Container, parse: Callable[..., ParsedComplaint] | None = None,
               follow_ups: tuple[str, ...] = ()) -> ComplaintProcessor:
    settings = container.settings
    return ComplaintProcessor(
        container.uow, container.clock,
        parse=parse or parser(parse_options(max_message_bytes=settings.max_message_bytes)),
        policy_at=policy_timeline(container.policies), resolver=container.resolver,
        follow_ups=follow_ups)


def test_events_are_classified_by_the_policy_in_force_and_resolved_at_their_time(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    reference = loaded.policies.in_force(datetime(2026, 3, 10, tzinfo=UTC)).stored
    example = loaded.policies.in_force(datetime(2026, 4, 5, tzinfo=UTC)).stored
    assert (reference.key, example.key) == ("reference-aup", "example-aup")
    cases = [
        # ip, arrival, customer ref, notify ref, policy, clauses
        ("192.0.2.10", datetime(2026, 2, 20, 8, 15, tzinfo=UTC), "C-1", "C-1", reference,
         reference.policy.classify("messaging", "spam", rsit="spam").clause_ids),
        ("192.0.2.10", datetime(2026, 4, 5, 8, 15, tzinfo=UTC), "C-2", "C-2", example, ("spam",)),
        ("198.51.100.7", datetime(2026, 3, 10, tzinfo=UTC), "P-1-01", "P-1", reference,
         reference.policy.classify("messaging", "spam", rsit="spam").clause_ids),
    ]
    processor = complaint_processor(loaded)
    for number, (ip, arrival, owner, notify, policy, clauses) in enumerate(cases):
        receipt = intake.accept_message(_arf(ip, number, arrival), channel=Channel.SMTP)
        result = processor.process(receipt.complaint_id)
        assert (result.outcome, result.events, result.format) == (Outcome.PROCESSED, 1, "arf")
        (event,) = records.events(receipt.complaint_id)
        assert event.event_time == arrival
        assert (event.offender, event.ip) == (ip, ip)
        assert event.policy_version_id == policy.id
        assert event.clause_ids == clauses and clauses
        assert event.customer_id == _customer_id(loaded, owner)
        assert event.notify_customer_id == _customer_id(loaded, notify)
        assert event.not_ours_reason is None
        record = records.get(receipt.complaint_id)
        assert (record.status, record.event_count) == (ComplaintStatus.PROCESSED, 1)
        assert record.reporter == "fbl@feedback.example.org"


def test_an_offender_that_is_not_ours_is_stored_with_the_reason(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    receipt = intake.accept_message(_arf("203.0.113.200", 1, datetime(2026, 3, 1, tzinfo=UTC)),
                                    channel=Channel.SMTP)
    assert complaint_processor(loaded).process(receipt.complaint_id).outcome is Outcome.PROCESSED
    (event,) = records.events(receipt.complaint_id)
    assert event.customer_id is None and event.notify_customer_id is None
    assert "203.0.113.200" in (event.not_ours_reason or "")


def test_a_second_run_does_nothing_and_a_replay_replaces_the_events(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    receipt = intake.accept_message(_arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC)),
                                    channel=Channel.SMTP)
    processor = complaint_processor(loaded)
    assert processor.process(receipt.complaint_id).outcome is Outcome.PROCESSED
    first = records.events(receipt.complaint_id)
    assert processor.process(receipt.complaint_id).outcome is Outcome.SKIPPED
    assert records.events(receipt.complaint_id) == first

    # A "fixed" parser that now also reads a second offender from the same complaint.
    real = parser(parse_options(max_message_bytes=loaded.settings.max_message_bytes))

    def fixed(data: bytes, content_type: ContentType, at: datetime) -> ParsedComplaint:
        result = real(data, content_type, at)
        extra = replace(result.events[0], ip=ip_address("198.51.100.7"))
        return replace(result, events=(*result.events, extra))  # type: ignore[type-var]

    assert records.replay([receipt.complaint_id]) == [receipt.complaint_id]
    assert records.get(receipt.complaint_id).status is ComplaintStatus.RECEIVED
    assert _processor(loaded, fixed).process(receipt.complaint_id).outcome is Outcome.PROCESSED
    again = records.events(receipt.complaint_id)
    assert [(e.sequence, e.offender) for e in again] == [(0, "192.0.2.10"), (1, "198.51.100.7")]
    assert again[0].id == first[0].id  # the same event keeps its id (cases refer to it)
    assert again[0].clause_ids == first[0].clause_ids
    assert records.get(receipt.complaint_id).event_count == 2

    records.replay([receipt.complaint_id])  # back to the first reading: the extra row goes
    assert processor.process(receipt.complaint_id).outcome is Outcome.PROCESSED
    assert records.events(receipt.complaint_id) == first


def test_two_runs_at_once_store_the_events_once(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    receipt = intake.accept_message(_arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC)),
                                    channel=Channel.SMTP)
    both_parsed = threading.Barrier(2)
    real = parser(parse_options(max_message_bytes=loaded.settings.max_message_bytes))

    def parse_then_wait(data: bytes, content_type: ContentType, at: datetime) -> ParsedComplaint:
        result = real(data, content_type, at)
        both_parsed.wait(30)  # both runs have read "received" before either stores
        return result

    processor = _processor(loaded, parse_then_wait)
    outcomes: list[Outcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(
        processor.process(receipt.complaint_id).outcome)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == sorted([Outcome.PROCESSED, Outcome.SKIPPED])
    assert len(records.events(receipt.complaint_id)) == 1


def test_unparseable_complaints_are_quarantined_and_replayed_after_a_fix(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    real = parser(parse_options(max_message_bytes=loaded.settings.max_message_bytes))

    def broken(data: bytes, content_type: ContentType, at: datetime) -> ParsedComplaint:
        raise ParseError("ARF feedback part is missing its Feedback-Type")

    good = intake.accept_message(_arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC)),
                                 channel=Channel.SMTP)
    hopeless = intake.accept_message(
        b"From: someone@example.org\r\nSubject: hi\r\n\r\nplease stop sending me things\r\n",
        channel=Channel.SMTP)
    before_fix = _processor(loaded, broken)
    for receipt in (good, hopeless):
        assert before_fix.process(receipt.complaint_id).outcome is Outcome.QUARANTINED
    record = records.get(good.complaint_id)
    assert record.status is ComplaintStatus.QUARANTINED
    assert record.reason == "ARF feedback part is missing its Feedback-Type"
    assert records.events(good.complaint_id) == []

    assert sorted(records.replay_all(ComplaintStatus.QUARANTINED)) == sorted(
        [good.complaint_id, hopeless.complaint_id])
    after_fix = _processor(loaded, real)
    assert after_fix.process(good.complaint_id).outcome is Outcome.PROCESSED
    assert after_fix.process(hopeless.complaint_id).outcome is Outcome.QUARANTINED
    assert records.get(good.complaint_id).reason is None
    assert len(records.events(good.complaint_id)) == 1
    assert "no offender" in (records.get(hopeless.complaint_id).reason or "")


def test_a_parser_crash_quarantines_instead_of_retrying_forever(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    def crashing(data: bytes, content_type: ContentType, at: datetime) -> ParsedComplaint:
        raise RecursionError("maximum recursion depth exceeded")

    receipt = intake.accept_message(_arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC)),
                                    channel=Channel.SMTP)
    assert _processor(loaded, crashing).process(receipt.complaint_id).outcome \
        is Outcome.QUARANTINED
    assert "parser failure (RecursionError" in (records.get(receipt.complaint_id).reason or "")


def test_reports_that_are_no_complaint_are_marked_not_abuse(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    receipt = intake.accept_message(
        _arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC), feedback_type="not-spam"),
        channel=Channel.SMTP)
    assert complaint_processor(loaded).process(receipt.complaint_id).outcome is Outcome.NOT_ABUSE
    record = records.get(receipt.complaint_id)
    assert record.status is ComplaintStatus.NOT_ABUSE
    assert "not-spam" in (record.reason or "")
    assert records.events(receipt.complaint_id) == []


def test_xarf_documents_are_read_by_the_xarf_entry_point(
        loaded: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    document = json.dumps({
        "xarf_version": "4.2.0", "report_id": "5b1f7c2e-0d7a-4a59-9d43-3c1f6f0e2a11",
        "timestamp": "2026-02-25T10:00:00Z",
        "reporter": {"org": "Scan Watch", "contact": "soc@scan.example", "domain": "scan.example"},
        "sender": {"org": "Scan Watch", "contact": "soc@scan.example", "domain": "scan.example"},
        "source_identifier": "198.51.100.7", "source_port": 40211, "category": "connection",
        "type": "port_scan", "evidence_source": "ids_detection", "destination_ip": "203.0.113.9",
        "protocol": "tcp", "ports_scanned": [22, 80],
    }).encode()
    receipt = intake.accept_xarf(document)
    result = complaint_processor(loaded).process(receipt.complaint_id)
    assert (result.outcome, result.format) == (Outcome.PROCESSED, "xarf-json")
    (event,) = records.events(receipt.complaint_id)
    assert (event.category, event.type, event.ip) == ("connection", "port_scan", "198.51.100.7")
    assert event.customer_id == _customer_id(loaded, "P-1-01")
    assert event.event_time == datetime(2026, 2, 25, 10, tzinfo=UTC)


def test_follow_up_tasks_are_queued_with_the_events_only_when_given(
        loaded: Container, intake: IntakeService) -> None:
    arrival = datetime(2026, 2, 20, tzinfo=UTC)
    plain = intake.accept_message(_arf("192.0.2.10", 1, arrival), channel=Channel.SMTP)
    hooked = intake.accept_message(_arf("192.0.2.10", 2, arrival), channel=Channel.SMTP)
    quiet = intake.accept_message(_arf("192.0.2.10", 3, arrival, feedback_type="not-spam"),
                                  channel=Channel.SMTP)
    _processor(loaded).process(plain.complaint_id)
    with_hook = _processor(loaded, follow_ups=("cases.aggregate",))
    with_hook.process(hooked.complaint_id)
    with_hook.process(quiet.complaint_id)
    assert queued_jobs(loaded, "cases.aggregate") == [{"complaint_id": hooked.complaint_id}]


@sqlite_only  # on PostgreSQL jobs run in worker processes (tests/e2e/intake)
def test_the_worker_runs_the_queued_job(loaded: Container, intake: IntakeService,
                                        records: ComplaintRecords) -> None:
    from abusedesk.interfaces.workers.runner import build_embedded_worker

    receipt = intake.accept_message(_arf("192.0.2.10", 1, datetime(2026, 2, 20, tzinfo=UTC)),
                                    channel=Channel.SMTP)
    assert queued_jobs(loaded, "complaints.process") == [{"complaint_id": receipt.complaint_id}]
    build_embedded_worker(loaded).run_until_idle()
    assert queued_jobs(loaded, "complaints.process") == []
    assert records.get(receipt.complaint_id).status is ComplaintStatus.PROCESSED
