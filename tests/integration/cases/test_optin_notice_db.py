"""An opt-in evidence request reaches the party answering for the case by e-mail, through
the case's notice outbox, and is answered through the case's own response link."""

from __future__ import annotations

import email
import hashlib
from email import policy

import pytest

from abusedesk.config import Settings
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import EvidenceFile, ResponseKind
from abusedesk.domain.errors import Conflict, NotFound
from abusedesk.domain.notices import NoticeKind, NoticeStatus
from tests.integration.cases.conftest import Pipeline, arf_complaint
from tests.integration.cases.relay import CapturingRelay
from tests.support.cli import abusedesk

RECIPIENT = "reader@mailbox.example"


def _text(data: bytes) -> tuple[str, str]:
    parsed = email.message_from_bytes(data, policy=policy.default)
    return str(parsed["Subject"]), parsed.get_body(("plain",)).get_content()


def _link(text: str) -> str:
    url = next(line.strip() for line in text.splitlines() if "/respond/" in line)
    return url.rsplit("/respond/", 1)[1]


def test_a_partners_customer_request_is_mailed_to_the_partner_and_answered_by_its_link(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("203.0.113.200"))  # Meadow Florists, below Riverbank
    pipeline.send_queued()
    (listing,) = pipeline.desk.queries.list()
    reference = listing.case.reference
    request = pipeline.container.optin.request(reference, RECIPIENT, actor="cli:test")
    assert request.notice_id is not None
    assert pipeline.send_queued() == 1

    assert relay.to("mia@meadow.example") == []
    first, optin = relay.to("abuse@riverbank.example")
    subject, text = _text(optin.data)
    assert subject == (f"[{reference}] Opt-in evidence requested for r***@mailbox.example - "
                       f"due {request.due_at:%Y-%m-%d %H:%M} UTC")
    assert "Dear Rita River" in text and "Meadow Florists" in text
    assert f"within 24 hours, by {request.due_at:%Y-%m-%d %H:%M} UTC" in text
    assert hashlib.sha256(RECIPIENT.encode()).hexdigest() in text
    assert RECIPIENT not in optin.data.decode("ascii", "replace")  # masked, as stored
    assert (f"POST https://abuse.provider.example/api/v1/optin-requests/{request.id}/evidence"
            in text)
    detail = pipeline.desk.queries.detail(reference)
    sent = [n for n in detail.notices if n.kind is NoticeKind.OPTIN_REQUEST]
    assert [(n.id, n.status, n.recipient) for n in sent] == [
        (request.notice_id, NoticeStatus.SENT, "abuse@riverbank.example")]
    assert detail.case.state is CaseState.NOTIFIED  # the opt-in notice moves nothing

    responses = pipeline.desk.responses
    grant = responses.verify(_link(text))
    assert [r.id for r in responses.view(grant).optin_requests] == [request.id]
    record = b"2025-11-02 10:14:09 UTC double opt-in confirmed from 198.51.100.23\n"
    answered = responses.answer_optin(
        grant, request.id, author="Rita River", text="Confirmed opt-in log attached.",
        evidence=[EvidenceFile("optin-log.txt", "text/plain", record)])
    assert answered.answered_at is not None and answered.answered_by == "Rita River"
    assert answered.evidence is not None and answered.evidence.startswith(
        "Confirmed opt-in log attached.") and "1 file(s)" in answered.evidence
    view = responses.view(grant)
    assert view.optin_requests == []
    (kept,) = [r for r in view.responses if r.kind is ResponseKind.OPTIN_EVIDENCE]
    assert kept.evidence[0][3] == hashlib.sha256(record).hexdigest()
    assert view.case.state is CaseState.NOTIFIED
    with pytest.raises(Conflict, match="was answered"):
        responses.answer_optin(grant, request.id, author="Rita River", text="again")


def test_a_link_answers_only_requests_of_its_own_case(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.submit(arf_complaint("203.0.113.200", message_id="fbl-7732@mailbox.example"))
    pipeline.send_queued()
    harbour, meadow = sorted(pipeline.desk.queries.list(), key=lambda item: item.case.id)
    other = pipeline.container.optin.request(meadow.case.reference, RECIPIENT, actor="t")
    grant = pipeline.desk.responses.grant_for_party(harbour.case.reference,
                                                    harbour.case.notify_customer_id)
    with pytest.raises(NotFound):
        pipeline.desk.responses.answer_optin(grant, other.id, author="Ann", text="ours?")


def test_a_request_answered_before_its_notice_went_is_not_mailed(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    reference = pipeline.desk.queries.list()[0].case.reference
    request = pipeline.container.optin.request(reference, RECIPIENT, actor="cli:test")
    pipeline.container.optin.answer(request.id, evidence="CRM record 5512", author="Ann",
                                    via="staff")
    pipeline.send_queued()
    assert len(relay.to("abuse-desk@harbour.example")) == 1  # the case's first notice only
    detail = pipeline.desk.queries.detail(reference)
    (optin,) = [n for n in detail.notices if n.kind is NoticeKind.OPTIN_REQUEST]
    assert optin.status is NoticeStatus.SUPPRESSED and "answered" in (optin.error or "")


def test_a_failed_optin_notice_is_resent_as_a_new_notice_and_audited(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    reference = pipeline.desk.queries.list()[0].case.reference
    optin = pipeline.container.optin
    request = optin.request(reference, RECIPIENT, actor="cli:test")
    with pytest.raises(Conflict, match="queued"):
        optin.resend(request.id, actor="cli:ann")  # still on its way
    relay.refuse("550 5.1.1 mailbox unavailable")
    pipeline.send_queued()
    relay.refuse(None)

    resent = optin.resend(request.id, actor="cli:ann")
    assert resent.notice_id is not None and resent.notice_id != request.notice_id
    assert pipeline.send_queued() == 1
    (mailed,) = [m for m in relay.to("abuse-desk@harbour.example")
                 if b"Opt-in evidence requested" in m.data]
    assert RECIPIENT not in mailed.data.decode("ascii", "replace")
    detail = pipeline.desk.queries.detail(reference)
    statuses = {n.id: n.status for n in detail.notices if n.kind is NoticeKind.OPTIN_REQUEST}
    assert statuses == {request.notice_id: NoticeStatus.FAILED,
                        resent.notice_id: NoticeStatus.SENT}
    (audit,) = [e for e in detail.history if e.action == "bulk.optin.resend"]
    assert audit.actor == "cli:ann" and audit.data["previous_notice_id"] == request.notice_id
    with pytest.raises(Conflict, match="sent"):
        optin.resend(request.id, actor="cli:ann")  # the new one went


def test_the_resend_command_queues_a_new_notice(
        pipeline: Pipeline, relay: CapturingRelay, case_settings: Settings) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    reference = pipeline.desk.queries.list()[0].case.reference
    request = pipeline.container.optin.request(reference, RECIPIENT, actor="cli:test")
    relay.refuse("550 5.1.1 mailbox unavailable")
    pipeline.send_queued()
    env = {"ABUSEDESK_DATABASE_URL": case_settings.database_url,
           "ABUSEDESK_DATA_DIR": str(case_settings.data_dir)}

    done = abusedesk("bulk", "resend-optin", str(request.id), "--actor", "cli:ann", env=env)
    assert done.code == 0, done.stderr
    (again,) = pipeline.container.optin.case_requests(request.case_id)
    assert again.notice_id != request.notice_id
    assert f"notice #{again.notice_id} queued" in done.stdout
    missing = abusedesk("bulk", "resend-optin", "99999", env=env)
    assert missing.code != 0 and "no opt-in evidence request 99999" in missing.stderr


def test_an_answer_entered_by_staff_is_audited_under_the_staff_actor(
        pipeline: Pipeline, case_settings: Settings) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    reference = pipeline.desk.queries.list()[0].case.reference
    request = pipeline.container.optin.request(reference, RECIPIENT, actor="cli:test")
    env = {"ABUSEDESK_DATABASE_URL": case_settings.database_url,
           "ABUSEDESK_DATA_DIR": str(case_settings.data_dir)}
    done = abusedesk("bulk", "answer-optin", str(request.id), "--evidence", "CRM record 5512",
                     "--author", "Ann Harbour", "--actor", "cli:bob", env=env)
    assert done.code == 0, done.stderr
    detail = pipeline.desk.queries.detail(reference)
    (audit,) = [e for e in detail.history if e.action == "bulk.optin.answer"]
    assert (audit.actor, audit.data["author"]) == ("cli:bob", "Ann Harbour")
