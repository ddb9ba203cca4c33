"""What identifies a complaint besides its bytes, read from hostile headers without failing."""

from __future__ import annotations

import json

import pytest

from abusedesk.domain.complaints import (
    DedupFacts,
    RecipientPolicy,
    header_block,
    mail_facts,
    xarf_facts,
)
from abusedesk.domain.errors import InvalidInput
from tests.support.smtp import arf_complaint, crlf


def test_facts_of_a_feedback_report() -> None:
    raw = arf_complaint(source_ip="192.0.2.44", message_id="r-1@feedback.example.org")
    facts = mail_facts(raw)
    assert facts.message_id == "r-1@feedback.example.org"
    assert facts.sender == "fbl@feedback.example.org"
    assert facts.subject == "Abuse report for 192.0.2.44"


def test_sender_is_the_from_address_in_lower_case_whatever_the_display_name() -> None:
    first = mail_facts(crlf('From: "Abuse Desk, Example" <Abuse@Example.ORG>\n'
                           "Message-ID:  <ID-7@example.org> \n\nbody\n"))
    second = mail_facts(crlf("From: abuse@example.org\nMessage-ID: <ID-7@example.org>\n\nbody\n"))
    assert first.sender == second.sender == "abuse@example.org"
    assert first.message_id == "ID-7@example.org"
    assert first.dedup_key == second.dedup_key is not None


def test_a_copy_with_trace_headers_and_other_line_ends_has_the_same_dedup_key() -> None:
    sent = arf_complaint(source_ip="192.0.2.44", message_id="r-1@feedback.example.org")
    stored_elsewhere = (b"Return-Path: <fbl@feedback.example.org>\n"
                        b"Received: from mx.example.net by imap.example.net\n"
                        + sent.replace(b"\r\n", b"\n") + b"\n")
    assert mail_facts(stored_elsewhere).dedup_key == mail_facts(sent).dedup_key is not None


def test_a_reused_message_id_with_another_body_is_another_complaint() -> None:
    first = arf_complaint(source_ip="192.0.2.44", message_id="fixed@feedback.example.org")
    second = arf_complaint(source_ip="192.0.2.45", message_id="fixed@feedback.example.org")
    assert mail_facts(first).message_id == mail_facts(second).message_id
    assert mail_facts(first).dedup_key != mail_facts(second).dedup_key


def test_dedup_key_needs_both_message_id_and_sender() -> None:
    assert DedupFacts("a@b", None).dedup_key is None
    assert DedupFacts(None, "x@y.example").dedup_key is None
    assert DedupFacts("a@b", "x@y.example").dedup_key != DedupFacts("a@b", "z@y.example").dedup_key


def test_encoded_and_raw_utf8_subjects_are_decoded() -> None:
    encoded = mail_facts(b"Subject: =?utf-8?q?Missbrauch_von_M=C3=BCller?=\r\n\r\nx")
    raw_utf8 = mail_facts("Subject: Spam från 192.0.2.9\r\n\r\nx".encode())
    assert encoded.subject == "Missbrauch von Müller"
    assert raw_utf8.subject == "Spam från 192.0.2.9"


def test_headers_in_the_body_are_not_read() -> None:
    raw = crlf("From: reporter@example.org\nSubject: fwd\n\n"
               "Message-ID: <forwarded@elsewhere.example>\nFrom: other@elsewhere.example\n")
    facts = mail_facts(raw)
    assert facts.message_id is None
    assert facts.sender == "reporter@example.org"


def test_garbage_gives_no_facts_and_no_error() -> None:
    for raw in (b"\x00\xff" * 5000, b"", b"::::\r\n\r\n", b"From: <<<@@@>>>\r\n\r\n",
                b"Message-ID: <\r\n\r\n", b"Subject: =?bogus?x?zz?=\r\n\r\n"):
        facts = mail_facts(raw)
        assert facts.message_id in (None, "") or isinstance(facts.message_id, str)
        assert facts.sender is None


def test_header_block_is_bounded() -> None:
    endless = b"X-Padding: " + b"a" * 1_000_000
    assert len(header_block(endless)) == 256 * 1024
    assert header_block(b"A: 1\nB: 2\n\nbody") == b"A: 1\nB: 2"
    assert header_block(b"A: 1\r\n\r\nbody\n\nmore") == b"A: 1"


def test_xarf_facts_are_report_id_and_reporter_contact() -> None:
    document = json.dumps({
        "xarf_version": "4.2.0", "report_id": "9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83",
        "reporter": {"org": "Monitor", "contact": "DDoS@Monitor.example", "domain": "x"},
        "category": "connection", "type": "ddos", "source_identifier": "192.0.2.155",
    }).encode()
    facts = xarf_facts(document)
    assert facts.message_id == "9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83"
    assert facts.sender == "ddos@monitor.example"
    assert facts.subject == "XARF connection/ddos"


@pytest.mark.parametrize("document, complaint", [
    (b"[1, 2]", "JSON object"),
    (b"{not json", "not UTF-8 JSON"),
    (b'{"a": "\xff"}', "not UTF-8 JSON"),
    (b'{"a":' * 100 + b"1" + b"}" * 100, "nested more than"),
    (b"[" * 100_000 + b"]" * 100_000, "not UTF-8 JSON"),
])
def test_what_is_not_a_json_object_is_refused(document: bytes, complaint: str) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        xarf_facts(document)


def test_recipients_by_local_part_at_any_domain_and_aliases() -> None:
    policy = RecipientPolicy(local_parts=("abuse",), aliases=("security@example.net",))
    assert policy.accepts("abuse@example.net")
    assert policy.accepts("<ABUSE@Other.Example>")
    assert policy.accepts("security@example.net")
    assert not policy.accepts("security@other.example")
    assert not policy.accepts("postmaster@example.net")
    assert not policy.accepts("abuse")
    assert not policy.accepts("abuse@")
    assert not policy.accepts("notabuse@example.net")
