"""A complaint becomes a case, and its notice reaches a real SMTP relay with the true copy."""

from __future__ import annotations

import email
from email import policy

import pytest
from sqlalchemy import select, update

from abusedesk.adapters.db.tables.cases import NoticeRow
from abusedesk.adapters.db.tables.customers import CustomerRow
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_ports import DeliveryFailed
from abusedesk.domain.notices import NoticeStatus
from tests.integration.cases.conftest import PROVIDER_FROM, Pipeline, arf_complaint
from tests.integration.cases.relay import CapturingRelay, split_multipart


def _raw(pipeline: Pipeline, complaint_id: int) -> bytes:
    with pipeline.container.uow() as uow:
        record = uow.complaints.get(complaint_id)
        assert record is not None
        raw = uow.complaints.raw(record.sha256)
    assert raw is not None
    return raw


def test_the_notice_carries_the_complaint_byte_for_byte(pipeline: Pipeline,
                                                        relay: CapturingRelay) -> None:
    complaint = arf_complaint("192.0.2.10")
    complaint_id = pipeline.submit(complaint)
    assert pipeline.send_queued() == 2  # the notice and the acknowledgement

    (notice,) = relay.to("abuse-desk@harbour.example")
    assert notice.mail_from == PROVIDER_FROM
    head, parts = split_multipart(notice.data)
    attachment_head, attachment = parts[1]
    assert b"Content-Type: message/rfc822" in attachment_head
    assert attachment == complaint == _raw(pipeline, complaint_id)

    parsed = email.message_from_bytes(notice.data, policy=policy.default)
    (listing,) = pipeline.desk.queries.list()
    case = listing.case
    assert parsed["Subject"].startswith(f"[{case.reference}]")
    assert parsed["Auto-Submitted"] == "auto-generated"
    text = parsed.get_body(("plain",)).get_content()
    assert "Prohibited Conduct 5a" in text and "Email Spamming" in text
    assert "within 3 days, by 2026-03-05 09:30 UTC" in text
    assert "https://abuse.provider.example/respond/v1." in text
    assert case.state is CaseState.NOTIFIED
    assert case.clock.due_at() == case.notified_at + case.deadline


def test_the_complainant_gets_an_acknowledgement_marked_auto_replied(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    (ack,) = relay.to("fbl-reports@mailbox.example")
    parsed = email.message_from_bytes(ack.data, policy=policy.default)
    reference = pipeline.desk.queries.list()[0].case.reference
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["In-Reply-To"] == "<fbl-7731@mailbox.example>"
    assert reference in parsed["Subject"] and reference in parsed.get_content()
    assert not parsed.is_multipart()  # nothing of the complaint goes back


def test_no_acknowledgement_to_an_auto_submitted_complaint(pipeline: Pipeline,
                                                          relay: CapturingRelay) -> None:
    complaint_id = pipeline.submit(arf_complaint("192.0.2.10", auto_submitted="auto-generated"))
    pipeline.send_queued()
    assert relay.to("fbl-reports@mailbox.example") == []
    assert len(relay.to("abuse-desk@harbour.example")) == 1
    with pipeline.container.uow() as uow:
        (ack,) = [n for n in uow.notices.for_complaint(complaint_id) if n.case_id is None]
    assert ack.status is NoticeStatus.SUPPRESSED and "Auto-Submitted" in (ack.error or "")


def test_a_partners_customer_is_reported_to_the_partner(pipeline: Pipeline,
                                                        relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("203.0.113.200"))
    pipeline.send_queued()
    assert relay.to("mia@meadow.example") == []
    (notice,) = relay.to("abuse@riverbank.example")
    parsed = email.message_from_bytes(notice.data, policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    assert "Dear Rita River" in text and "Meadow Florists" in text


def test_sending_twice_sends_once(pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    with pipeline.container.sessions() as session:
        notice_id = session.scalars(select(NoticeRow.id).where(NoticeRow.case_id.is_not(None))
                                    ).one()
    pipeline.desk.notifications.send(notice_id)
    again = pipeline.desk.notifications.send(notice_id)
    assert again.message is None and again.notice.status is NoticeStatus.SENT
    assert len(relay.to("abuse-desk@harbour.example")) == 1


def test_a_relay_refusal_marks_the_notice_and_asks_staff(pipeline: Pipeline,
                                                         relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    relay.refuse("550 5.1.1 mailbox unknown")
    pipeline.send_queued()
    (listing,) = pipeline.desk.queries.list()
    assert listing.case.state is CaseState.NEW  # never notified: no deadline runs
    assert listing.case.attention is not None and "550" in listing.case.attention
    detail = pipeline.desk.queries.detail(listing.case.reference)
    assert {n.status for n in detail.notices} == {NoticeStatus.FAILED}


def test_a_relay_that_says_try_later_makes_the_job_retry(pipeline: Pipeline,
                                                        relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    relay.refuse("451 4.3.0 try again later")
    with pipeline.container.sessions() as session:
        notice_id = session.scalars(select(NoticeRow.id).where(NoticeRow.case_id.is_not(None))
                                    ).one()
    with pytest.raises(DeliveryFailed) as raised:
        pipeline.desk.notifications.send(notice_id)
    assert not raised.value.permanent
    relay.refuse(None)
    assert pipeline.desk.notifications.send(notice_id).notice.status is NoticeStatus.SENT
    assert pipeline.desk.queries.list()[0].case.state is CaseState.NOTIFIED


def test_a_party_without_a_representative_needs_staff(pipeline: Pipeline,
                                                      relay: CapturingRelay) -> None:
    with pipeline.container.sessions.begin() as session:
        session.execute(update(CustomerRow).where(CustomerRow.ref == "C-100")
                        .values(rep_email=None, rep_name=None))
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    assert relay.to("abuse-desk@harbour.example") == []
    case = pipeline.desk.queries.list()[0].case
    assert case.state is CaseState.NEW
    assert case.attention is not None and "no abuse representative" in case.attention
