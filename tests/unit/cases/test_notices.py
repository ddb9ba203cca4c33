"""RFC 3834 rules for acknowledgements, and byte-exact assembly of notices."""

from __future__ import annotations

import base64
import email
from email import policy

import pytest

from abusedesk.domain.notices import (
    OriginalCopy,
    acknowledgement_recipient,
    assemble_message,
    auto_reply_refusal,
    travels_unchanged,
)
from tests.integration.cases.relay import split_multipart

HUMAN = [("From", "Jo Victim <jo@victim.example>"), ("Subject", "spam from your network")]


@pytest.mark.parametrize(("extra", "envelope", "expected"), [
    ([("Auto-Submitted", "auto-generated")], "fbl@isp.example", "Auto-Submitted"),
    ([("Auto-Submitted", "auto-replied; owner-email=x@y")], None, "Auto-Submitted"),
    ([("Precedence", "bulk")], None, "Precedence"),
    ([("List-Id", "<abuse.lists.example>")], None, "mailing list"),
    ([("X-Auto-Response-Suppress", "All")], None, "X-Auto-Response-Suppress"),
    ([], "", "null return path"),
    ([], "<>", "null return path"),
    ([], "noreply@isp.example", "does not take replies"),
    ([], "abuse@provider.example", "our own address"),
])
def test_no_acknowledgement_to_automatic_mail_or_ourselves(extra: list, envelope: str | None,
                                                           expected: str) -> None:
    reason = auto_reply_refusal(HUMAN + extra, envelope_sender=envelope,
                                own_addresses=["Abuse@Provider.example"])
    assert reason is not None and expected in reason


def test_a_person_writing_gets_an_acknowledgement() -> None:
    assert auto_reply_refusal(HUMAN + [("Auto-Submitted", "no")],
                              envelope_sender="jo@victim.example") is None


def test_the_acknowledgement_goes_to_the_return_path_first() -> None:
    headers = HUMAN + [("Reply-To", "desk@victim.example"), ("Return-Path", "<rp@victim.example>")]
    assert acknowledgement_recipient(headers, envelope_sender="bounce@victim.example") \
        == "bounce@victim.example"
    assert acknowledgement_recipient(headers, envelope_sender=None) == "rp@victim.example"
    assert acknowledgement_recipient(HUMAN + [("Reply-To", "desk@victim.example")],
                                     envelope_sender=None) == "desk@victim.example"
    assert acknowledgement_recipient(HUMAN, envelope_sender=None) == "jo@victim.example"
    assert acknowledgement_recipient([("Subject", "x")], envelope_sender=None) is None


HEADERS = [("From", "abuse@provider.example"), ("To", "Ann <ann@customer.example>"),
           ("Subject", "[AD-2026-000001] Abuse report"), ("Message-ID", "<n1@provider.example>")]

COMPLAINT = (b"From: fbl@isp.example\r\nSubject: report\r\n\r\n"
             b"--not-our-boundary\r\n.a dot line\r\n..two dots\r\nlast line without newline")


def test_the_complaint_is_attached_as_message_rfc822_byte_for_byte() -> None:
    message = assemble_message(HEADERS, text="Dear Ann,\nsee attached.\n",
                               original=OriginalCopy(COMPLAINT, "complaint-1.eml"))
    head, parts = split_multipart(message)
    assert b"multipart/mixed" in head and b"MIME-Version: 1.0" in head
    attachment_head, attachment = parts[1]
    assert b"Content-Type: message/rfc822" in attachment_head
    assert b"Content-Transfer-Encoding: 7bit" in attachment_head
    assert attachment == COMPLAINT
    parsed = email.message_from_bytes(message, policy=policy.default)
    assert parsed["Subject"] == "[AD-2026-000001] Abuse report"
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == "Dear Ann,\nsee attached.\n"


def test_eight_bit_complaints_travel_as_8bit_when_the_relay_takes_it() -> None:
    raw = "Subject: Beschwerde\r\n\r\nGrüße aus München\r\n".encode()
    attachment_head, body = split_multipart(
        assemble_message(HEADERS, text="x", original=OriginalCopy(raw)))[1][1]
    assert b"Content-Transfer-Encoding: 8bit" in attachment_head
    assert body == raw


@pytest.mark.parametrize("raw", [
    b"Subject: bare line feeds\n\nbody\n",
    b"Subject: long\r\n\r\n" + b"x" * 1200 + b"\r\n",
    b"Subject: nul\r\n\r\n\x00\r\n",
])
def test_bytes_smtp_would_alter_are_attached_base64_and_still_exact(raw: bytes) -> None:
    assert not travels_unchanged(raw, eight_bit_ok=True)
    message = assemble_message(HEADERS, text="x", original=OriginalCopy(raw))
    attachment_head, body = split_multipart(message)[1][1]
    assert b"application/octet-stream" in attachment_head
    assert b"Content-Transfer-Encoding: base64" in attachment_head
    assert base64.b64decode(body) == raw
    assert all(len(line) <= 998 for line in message.split(b"\r\n"))


def test_eight_bit_data_to_a_seven_bit_relay_goes_base64() -> None:
    raw = "Subject: x\r\n\r\nGrüße\r\n".encode()
    message = assemble_message(HEADERS, text="x", original=OriginalCopy(raw), eight_bit_ok=False)
    assert all(byte < 0x80 for byte in message)
    assert base64.b64decode(split_multipart(message)[1][1][1]) == raw


def test_a_json_report_is_attached_as_json() -> None:
    raw = b'{"category": "connection", "type": "port_scan"}'
    message = assemble_message(HEADERS, text="x",
                               original=OriginalCopy(raw, "c.json", "application/json"))
    attachment_head, body = split_multipart(message)[1][1]
    assert b"Content-Type: application/json" in attachment_head
    assert base64.b64decode(body) == raw


def test_html_goes_as_an_alternative_and_plain_text_alone_is_not_multipart() -> None:
    plain = assemble_message(HEADERS, text="only text")
    assert b"multipart" not in plain and b"text/plain" in plain
    both = email.message_from_bytes(assemble_message(HEADERS, text="t", html="<p>h</p>"),
                                    policy=policy.default)
    assert both.get_content_type() == "multipart/alternative"
    assert both.get_body(("html",)).get_content().strip() == "<p>h</p>"


def test_the_boundary_never_occurs_in_the_parts() -> None:
    message = assemble_message(HEADERS, text="x", original=OriginalCopy(COMPLAINT))
    head, _parts = split_multipart(message)
    boundary = head.split(b'boundary="')[1].split(b'"')[0]
    assert boundary not in COMPLAINT


def test_non_ascii_headers_are_encoded() -> None:
    message = assemble_message([("From", "abuse@provider.example"),
                                ("To", "Jöhn <john@example.net>"),
                                ("Subject", "Beschwerde über 192.0.2.1")], text="x")
    assert all(byte < 0x80 for byte in message.split(b"\r\n\r\n")[0])
    parsed = email.message_from_bytes(message, policy=policy.default)
    assert parsed["Subject"] == "Beschwerde über 192.0.2.1"
