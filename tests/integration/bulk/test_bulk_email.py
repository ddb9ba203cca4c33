"""Bulk-email compliance on a real database (SQLite and PostgreSQL): feedback-loop
complainants onto the no-send list, the 24-hour opt-in clock, customer-scoped API access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from abusedesk.bootstrap import Container
from abusedesk.domain.bulk import NoSendSource, address_digest
from abusedesk.domain.cases import CaseState
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.complaints import Channel
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.api.app import create_app
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.interfaces.workers.complaints import complaint_processor
from abusedesk.services.customers import sample_text
from abusedesk.services.intake_records import ComplaintRecords
from tests.support.cli import abusedesk

COMPLAINANT = "Dana.Reader@mailbox-provider.example"


def fbl_report(source_ip: str = "192.0.2.25", *, removal: str = COMPLAINANT,
               message_id: str = "fbl-20260301-0931-5512@mailbox-provider.example") -> bytes:
    """An ARF abuse report from a mailbox provider's feedback loop (RFC 5965, with the
    Removal-Recipient field that asks the sender to drop the complainant)."""
    return (
        "From: Mailbox Provider Feedback Loop <fbl-reports@mailbox-provider.example>\r\n"
        "To: abuse@hosting.example\r\n"
        f"Subject: Complaint about message from {source_ip}\r\n"
        "Date: Sun, 01 Mar 2026 09:31:10 +0000\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="fbl5512"\r\n'
        "\r\n--fbl5512\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n\r\n'
        f"One of our users marked a message from {source_ip} as spam.\r\n"
        "\r\n--fbl5512\r\n"
        "Content-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\n"
        "User-Agent: MailboxProviderFBL/2.0\r\n"
        "Version: 1\r\n"
        "Original-Mail-From: <offers@news.example.com>\r\n"
        f"Original-Rcpt-To: <{removal}>\r\n"
        f"Removal-Recipient: {removal}\r\n"
        "Arrival-Date: Sun, 01 Mar 2026 09:12:44 +0000\r\n"
        f"Source-IP: {source_ip}\r\n"
        "\r\n--fbl5512\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        f"Received: from mail.news.example.com ([{source_ip}])\r\n"
        "\tby mx.mailbox-provider.example; Sun, 01 Mar 2026 09:12:44 +0000\r\n"
        "From: Widget Offers <offers@news.example.com>\r\n"
        f"To: {removal}\r\n"
        "Subject: Spring sale: every widget half price\r\n"
        "Date: Sun, 01 Mar 2026 09:12:30 +0000\r\n"
        "Message-ID: <offer-60231@news.example.com>\r\n\r\n"
        "Half price widgets.\r\n"
        "\r\n--fbl5512--\r\n"
    ).encode()


@pytest.fixture
def sample(container: Container) -> Container:
    container.customers.import_sample()
    return container


def _submit(container: Container, raw: bytes) -> int:
    receipt = container.intake.accept_message(raw, channel=Channel.API)
    complaint_processor(container).process(receipt.complaint_id)
    case_desk(container).cases.aggregate_complaint(receipt.complaint_id)
    return receipt.complaint_id


def test_a_feedback_loop_complainant_is_listed_once_across_a_replay(sample: Container) -> None:
    complaint_id = _submit(sample, fbl_report())
    customer, entries = sample.bulk.no_send("C-1001")
    assert [(e.address_sha256, e.hint, e.source, e.complaint_id) for e in entries] == [
        (address_digest("dana.reader@mailbox-provider.example"),
         "d***@mailbox-provider.example", NoSendSource.FEEDBACK_LOOP, complaint_id)]

    ComplaintRecords(sample.uow).replay([complaint_id])
    complaint_processor(sample).process(complaint_id)
    _submit(sample, fbl_report(message_id="fbl-second@mailbox-provider.example"))
    assert len(sample.bulk.no_send("C-1001")[1]) == 1  # replay and a second report: once
    # nobody else's list holds it
    assert sample.bulk.no_send("C-1004")[1] == []
    (check,) = sample.bulk.check("C-1001", ["<DANA.READER@Mailbox-Provider.example>"])
    assert check.listed and check.entry is not None


def test_an_unresolved_or_redacted_report_lists_nobody(sample: Container) -> None:
    _submit(sample, fbl_report("198.51.100.100"))  # not an address of ours
    _submit(sample, fbl_report(removal="xxxxxxxx@mailbox-provider.example",
                               message_id="fbl-redacted@mailbox-provider.example"))
    refs = ("C-1001", "C-1002", "C-1003", "C-1004", "P-2001")
    assert all(not sample.bulk.no_send(ref)[1] for ref in refs)


def test_an_unanswered_optin_request_is_overdue_after_24_hours_and_escalates(
        sample: Container, clock: FrozenClock) -> None:
    _submit(sample, fbl_report())
    (listing,) = case_desk(sample).queries.list()
    case = listing.case
    assert case.clause_id == "conduct.5a"
    request = sample.optin.request(case.reference, COMPLAINANT, actor="cli:test")
    assert request.due_at == clock.now() + timedelta(hours=24)  # clause bulk-email.1
    assert sample.optin.request(case.reference, COMPLAINANT.lower(), actor="x").id == request.id

    clock.advance(timedelta(hours=23, minutes=59))
    assert sample.optin.check_overdue().flagged == []
    clock.advance(timedelta(minutes=1))
    report = sample.optin.check_overdue()
    assert report.flagged == [request.id] and report.escalated == [case.reference]
    assert sample.optin.check_overdue().flagged == []  # flagged once
    detail = case_desk(sample).queries.detail(case.reference)
    assert detail.case.state is CaseState.ESCALATED and detail.case.rung == 1
    (overdue,) = sample.optin.requests("C-1001", open_only=True)
    assert overdue.overdue_at == clock.now()

    answered = sample.optin.answer(request.id, evidence="https://crm.example.com/optin/5512",
                                   author="Ada Northwind", via="api")
    assert answered.answered_at == clock.now() and sample.optin.requests(
        "C-1001", open_only=True) == []


def test_an_answered_request_is_never_overdue(sample: Container, clock: FrozenClock) -> None:
    _submit(sample, fbl_report())
    case = case_desk(sample).queries.list()[0].case
    request = sample.optin.request(case.reference, COMPLAINANT, actor="cli:test")
    sample.optin.answer(request.id, evidence="double opt-in log, 2025-11-02 10:14 UTC",
                        author="Ada Northwind", via="staff")
    clock.advance(timedelta(days=2))
    assert sample.optin.check_overdue().flagged == []


def test_optin_requests_are_for_spam_cases_only(sample: Container) -> None:
    receipt = sample.intake.accept_xarf((
        b'{"xarf": "4.0.0", "report_id": "7d1c2f60-5b1e-4a57-9f0a-2f6d0d3b9e11",'
        b' "timestamp": "2026-03-01T06:00:00Z", "reporter": {"org": "Example Scan Watch",'
        b' "contact": "abuse@scanwatch.example.net", "domain": "scanwatch.example.net"},'
        b' "sender": {"org": "Example Scan Watch", "contact": "abuse@scanwatch.example.net",'
        b' "domain": "scanwatch.example.net"}, "source_identifier": "192.0.2.40",'
        b' "category": "connection", "type": "port_scan", "evidence_source": "ids_detection",'
        b' "destination_ip": "198.51.100.7", "protocol": "tcp", "destination_port": 22}'
    ), channel=Channel.API)
    complaint_processor(sample).process(receipt.complaint_id)
    case_desk(sample).cases.aggregate_complaint(receipt.complaint_id)
    (listing,) = case_desk(sample).queries.list()
    with pytest.raises(InvalidInput, match="not spam"):
        sample.optin.request(listing.case.reference, COMPLAINANT, actor="cli:test")


@pytest.fixture
def api_client(sample: Container) -> Iterator[tuple[TestClient, dict[str, str]]]:
    access = access_service(sample)
    tokens = {ref: access.create_token(f"{ref} automation", created_by="test",
                                       customer_id=sample.customers.get(ref).id).secret
              for ref in ("C-1001", "C-1004")}
    with TestClient(create_app(sample)) as client:
        yield client, tokens


def test_a_customer_token_sees_only_its_own_list(
        sample: Container, api_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api_client
    _submit(sample, fbl_report())
    sample.bulk.add("C-1004", ["someone@example.org"], actor="cli:test")
    own = {"Authorization": f"Bearer {tokens['C-1001']}"}
    other = {"Authorization": f"Bearer {tokens['C-1004']}"}

    listed = client.get("/api/v1/customers/C-1001/no-send", headers=own)
    assert listed.status_code == 200
    assert [e["address_sha256"] for e in listed.json()] == [address_digest(COMPLAINANT)]
    assert client.get("/api/v1/customers/C-1001/no-send", headers=other).status_code == 404
    assert client.post("/api/v1/customers/C-1001/no-send/check", headers=other,
                       json={"addresses": [COMPLAINANT]}).status_code == 404
    checked = client.post("/api/v1/customers/C-1001/no-send/check", headers=own,
                          json={"addresses": [COMPLAINANT, "friend@example.net"]})
    assert [(c["address"], c["listed"]) for c in checked.json()] == [
        (COMPLAINANT.lower(), True), ("friend@example.net", False)]
    theirs = client.get("/api/v1/customers/C-1004/no-send", headers=other).json()
    assert [e["hint"] for e in theirs] == ["s***@example.org"]


def test_a_customer_answers_its_own_optin_request_over_the_api(
        sample: Container, api_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api_client
    _submit(sample, fbl_report())
    case = case_desk(sample).queries.list()[0].case
    request = sample.optin.request(case.reference, COMPLAINANT, actor="cli:test")
    body = {"evidence": "https://crm.example.com/optin/5512", "author": "Ada Northwind"}
    url = f"/api/v1/optin-requests/{request.id}/evidence"
    assert client.post(url, json=body, headers={
        "Authorization": f"Bearer {tokens['C-1004']}"}).status_code == 404
    answered = client.post(url, json=body,
                           headers={"Authorization": f"Bearer {tokens['C-1001']}"})
    assert answered.status_code == 200 and answered.json()["answered_at"] is not None
    pending = client.get("/api/v1/customers/C-1001/optin-requests?open_only=true",
                         headers={"Authorization": f"Bearer {tokens['C-1001']}"})
    assert pending.json() == []


def _with_optin_terms(container: Container, ref: str, deadline: str) -> None:
    """The sample customers again, with ``ref``'s agreement overriding clause bulk-email.1."""
    document = json.loads(sample_text())
    (entry,) = [c for c in document["customers"] if c["ref"] == ref]
    agreement = entry.setdefault("agreement", {})
    agreement.setdefault("clauses", {})["bulk-email.1"] = {"deadline": deadline}
    report = container.customers.import_text(json.dumps(document), fmt="json")
    assert report.applied, report


def test_the_customers_agreement_times_the_request(sample: Container,
                                                   clock: FrozenClock) -> None:
    _with_optin_terms(sample, "C-1001", "PT8H")
    _submit(sample, fbl_report())
    case = case_desk(sample).queries.list()[0].case
    request = sample.optin.request(case.reference, COMPLAINANT, actor="cli:test")
    assert request.due_at == clock.now() + timedelta(hours=8)
    detail = case_desk(sample).queries.detail(case.reference)
    (asked,) = [e for e in detail.history if e.action == "bulk.optin.request"]
    assert asked.data["deadline"] == "customer agreement (8 hours)"


def test_a_partners_agreement_times_its_customers_requests(sample: Container,
                                                           clock: FrozenClock) -> None:
    _with_optin_terms(sample, "P-2001", "PT12H")
    _submit(sample, fbl_report("203.0.113.70"))  # Meadow Florists, below P-2001
    case = case_desk(sample).queries.list()[0].case
    assert case.customer_id == sample.customers.get("P-2001-01").id
    request = sample.optin.request(case.reference, COMPLAINANT, actor="cli:test")
    assert request.due_at == clock.now() + timedelta(hours=12)
    clock.advance(timedelta(hours=12))
    assert sample.optin.check_overdue().flagged == [request.id]


def test_adding_counts_addresses_after_normalising(sample: Container) -> None:
    outcome = sample.bulk.add("C-1001", ["A@Example.org", "a@example.org", "<a@EXAMPLE.org>"],
                              actor="cli:test")
    assert (len(outcome.added), outcome.already_listed) == (1, 0)
    again = sample.bulk.add("C-1001", ["a@example.org", "B@example.org", "b@example.org"],
                            actor="cli:test")
    assert (len(again.added), again.already_listed) == (1, 1)


def test_the_add_command_reports_what_it_did(database_url: str, tmp_path: Path) -> None:
    env = {"ABUSEDESK_DATABASE_URL": database_url, "ABUSEDESK_DATA_DIR": str(tmp_path / "d")}
    assert abusedesk("db", "upgrade", env=env).code == 0
    sample_file = tmp_path / "customers.json"
    sample_file.write_text(sample_text(), encoding="utf-8")
    assert abusedesk("customers", "import", str(sample_file), env=env).code == 0
    first = abusedesk("bulk", "no-send", "add", "C-1001", "A@example.org", "a@example.org",
                      env=env)
    assert first.code == 0, first.stderr
    assert "1 added, 0 already listed" in first.stdout
    second = abusedesk("bulk", "no-send", "add", "C-1001", "a@EXAMPLE.org", "c@example.org",
                       env=env)
    assert "1 added, 1 already listed" in second.stdout


def _add_customer_with_ref(container: Container, ref: str) -> None:
    """Import one more customer, with ``ref`` (a billing number, say) as its reference."""
    document = {"customers": [{"ref": ref, "name": "Numbered Account Ltd",
                               "kind": "customer", "assets": [],
                               "representative": {"name": "Lee Numbered",
                                                  "email": "abuse@numbered.example.net"}}]}
    report = container.customers.import_text(json.dumps(document), fmt="json")
    assert report.applied, report


def test_a_reference_that_is_another_customers_id_never_stands_in_for_it(
        sample: Container, api_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api_client
    own_id = sample.customers.get("C-1001").id
    _add_customer_with_ref(sample, str(own_id))  # its ref is C-1001's id
    sample.bulk.add(str(own_id), ["hidden@example.org"], actor="cli:test")
    sample.bulk.add("C-1001", ["mine@example.org"], actor="cli:test")
    own = {"Authorization": f"Bearer {tokens['C-1001']}"}

    listed = client.get("/api/v1/customers/C-1001/no-send", headers=own)
    assert [e["hint"] for e in listed.json()] == ["m***@example.org"]
    checked = client.post("/api/v1/customers/C-1001/no-send/check", headers=own,
                          json={"addresses": ["hidden@example.org"]})
    assert [c["listed"] for c in checked.json()] == [False]
    assert client.get(f"/api/v1/customers/{own_id}/no-send", headers=own).status_code == 404
