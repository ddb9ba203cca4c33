"""Each format's bent variants, written as small realistic complaints."""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile
from datetime import UTC, datetime
from ipaddress import ip_address

import pytest

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import TimeSource
from abusedesk.parsers import parse_xarf_document
from tests.unit.parsers.helpers import OPTIONS_KEEP_DOC, RECEIVED_AT, arf, mail, parse


# --- ARF -------------------------------------------------------------------------------
def test_arf_fields_run_together_on_one_line():
    result = parse(
        arf(
            "Feedback-Type: abuse User-Agent: SomeFBL/1.0 Version: 1 "
            "Source-IP: 198.18.5.5 Arrival-Date: Mon, 04 Mar 2024 09:00:00 +0100"
        )
    )
    (event,) = result.events
    assert event.ip == ip_address("198.18.5.5")
    assert event.event_time == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
    assert (event.category, event.type) == ("messaging", "spam")


def test_arf_empty_feedback_part_reads_offender_from_the_reported_message():
    result = parse(arf(""))
    (event,) = result.events
    assert event.ip == ip_address("198.18.7.7")
    assert event.time_field == "Received header of the reported message"
    assert result.format == "arf"


def test_arf_version_0_1_received_date_and_headers_only():
    result = parse(
        arf(
            "Feedback-Type: abuse\nVersion: 0.1\nReceived-Date: Mon, 4 Mar 2024 01:02:03 PST",
            reported_type="text/rfc822-headers",
        )
    )
    (event,) = result.events
    assert event.event_time == datetime(2024, 3, 4, 9, 2, 3, tzinfo=UTC)
    assert event.time_source is TimeSource.REPORT
    assert event.ip == ip_address("198.18.7.7")


def test_arf_reported_domain_of_the_recipient_is_not_an_offender():
    result = parse(
        arf(
            "Feedback-Type: abuse\nSource-IP: 10.9.9.9\nOriginal-Rcpt-To: joe@bigmail.test\n"
            "Reported-Domain: bigmail.test\nOriginal-Mail-From: bulk@shop.test"
        )
    )
    (event,) = result.events
    assert event.domain is None
    assert event.email == "bulk@shop.test"


def test_arf_opt_out_is_bulk_messaging():
    result = parse(
        arf(
            "Feedback-Type: opt-out\nVersion: 0.1\nRemoval-Recipient: user@bigmail.test\n"
            "Source-IP: 10.1.2.3"
        )
    )
    assert [(e.type, e.details["removal_recipient"]) for e in result.events] == [
        ("bulk_messaging", "user@bigmail.test")
    ]


def test_arf_keeps_every_original_rcpt_to_for_the_no_send_list():
    result = parse(
        arf(
            "Feedback-Type: abuse\nSource-IP: 10.1.2.3\n"
            "Original-Rcpt-To: <dana@mailbox.example>\nOriginal-Rcpt-To: lee@mailbox.example"
        )
    )
    (event,) = result.events
    assert event.details["original_rcpt_to"] == "<dana@mailbox.example>, lee@mailbox.example"


def test_arf_without_original_rcpt_to_does_not_take_the_complainant_from_the_mail():
    """A user's own "report spam" forward: To and From name the complainant, but only the
    field is kept; nothing is inferred from the mail around the report."""
    raw = arf("Feedback-Type: abuse\nSource-IP: 10.1.2.3").replace(
        "From: fbl@receiver.test\nTo: abuse@provider.test",
        "From: dana@mailbox.example\nTo: dana@mailbox.example",
    )
    (event,) = parse(raw).events
    assert "original_rcpt_to" not in event.details


@pytest.mark.parametrize("feedback_type", ["auth-failure", "not-spam"])
def test_arf_auth_failure_and_not_spam_are_not_abuse(feedback_type):
    result = parse(arf(f"Feedback-Type: {feedback_type}\nSource-IP: 10.1.2.3\nAuth-Failure: dmarc"))
    assert result.not_abuse and result.events == ()
    assert result.not_abuse_reason
    assert (result.format, result.reporter, result.subject) == ("arf", "fbl@receiver.test",
                                                                "FBL report")


def test_arf_base64_feedback_part_is_decoded():
    fields = base64.b64encode(b"Feedback-Type: abuse\nSource-IP: 10.4.4.4\n").decode()
    result = parse(arf(fields, feedback_headers="Content-Transfer-Encoding: base64"))
    assert [str(e.ip) for e in result.events] == ["10.4.4.4"]


def test_jmrp_complaint_is_not_arf_but_is_read():
    raw = mail(
        {
            "From": "staff@hotmail.com",
            "Subject": "complaint about message from 10.20.30.40",
            "Date": "Fri, 01 Mar 2024 10:00:00 +0000",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="j"',
        },
        "--j\nContent-Type: message/rfc822\n\nX-HmXmrOriginalRecipient: me@outlook.test\n"
        "X-Reporter-IP: 203.0.113.9\nX-SID-PRA: promo@shop.test\n"
        "X-OriginalArrivalTime: 01 Mar 2024 09:58:00.0000 (UTC) FILETIME=[00:00]\n"
        "Subject: deals\n\nbuy\n--j--\n",
    )
    result = parse(raw)
    (event,) = result.events
    assert result.format == "jmrp"
    assert (str(event.ip), event.email) == ("10.20.30.40", "promo@shop.test")
    assert event.event_time == datetime(2024, 3, 1, 9, 58, tzinfo=UTC)


# --- X-ARF -----------------------------------------------------------------------------
XARF_REPORT = (
    "---\nreported-from: abuse@honeypot.test\ncategory: abuse\nreport-type: login-attack\n"
    "service: ssh\nversion: 0.2\ndate: '2024-02-28 22:15:01 +0100'\nsource-type: ip-address\n"
    "source: 10.77.0.1\nport: 22\nreport-id: 42@honeypot.test\n"
)


def test_x_arf_base64_lowercase_keys_report_first():
    encoded = base64.encodebytes(XARF_REPORT.encode()).decode()
    raw = mail(
        {
            "From": "abuse@honeypot.test",
            "Subject": "abuse report about 10.77.0.1",
            "X-ARF": "YES",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="a"',
        },
        '--a\nContent-Type: text/plain; name="report.txt"\nContent-Transfer-Encoding: base64\n\n'
        f"{encoded}\n--a\nContent-Type: text/plain\n\nHello abuse team\n--a--\n",
    )
    (event,) = parse(raw).events
    assert (str(event.ip), event.port, event.type) == ("10.77.0.1", 22, "login_attack")
    assert event.event_time == datetime(2024, 2, 28, 21, 15, 1, tzinfo=UTC)
    assert event.report_id == "42@honeypot.test"


def test_x_arf_inline_in_the_body():
    raw = mail(
        {"From": "abuse@honeypot.test", "Subject": "report", "X-XARF": "PLAIN"},
        "Dear team,\n\n" + XARF_REPORT,
    )
    assert [str(e.ip) for e in parse(raw).events] == ["10.77.0.1"]


# --- fail2ban --------------------------------------------------------------------------
FAIL2BAN = """From: fail2ban@web1.customer.test
To: abuse@provider.test
Date: Sat, 02 Mar 2024 03:10:00 +0100
Subject: [Fail2Ban] sshd: banned 10.66.1.2 from web1.customer.test

Hi,

The IP 10.66.1.2 has just been banned by Fail2Ban after
6 attempts against sshd.

Here is more information about 10.66.1.2 :

% This is the RIPE Database query service.
inetnum:        10.66.0.0 - 10.66.255.255
netname:        EXAMPLE-NET
abuse-mailbox:  abuse@provider.test

Lines containing failures of 10.66.1.2 (max 1000)
Mar  2 03:09:41 web1 sshd[1234]: Failed password for root from 10.66.1.2 port 50022 ssh2
Mar  2 03:09:44 web1 sshd[1234]: Failed password for root from 10.66.1.2 port 50022 ssh2

Regards,

Fail2Ban
"""


def test_fail2ban_takes_year_and_zone_from_the_date_header():
    result = parse(FAIL2BAN)
    (event,) = result.events
    assert result.format == "fail2ban"
    assert (str(event.ip), event.type) == ("10.66.1.2", "login_attack")
    assert event.event_time == datetime(2024, 3, 2, 2, 9, 41, tzinfo=UTC)  # 03:09:41 +0100
    assert event.time_source is TimeSource.REPORT


def test_fail2ban_december_log_in_a_january_mail_is_last_year():
    raw = FAIL2BAN.replace(
        "Sat, 02 Mar 2024 03:10:00 +0100", "Mon, 01 Jan 2024 00:05:00 +0000"
    ).replace("Mar  2 03:09:41", "Dec 31 23:59:41")
    (event,) = parse(raw).events
    assert event.event_time == datetime(2023, 12, 31, 23, 59, 41, tzinfo=UTC)


# --- SpamCop and Spamhaus --------------------------------------------------------------
def test_spamcop_report_reads_source_and_time_not_the_quoted_spam():
    raw = mail(
        {
            "From": "1234567@reports.spamcop.net",
            "To": "abuse@provider.test",
            "Subject": "[SpamCop (10.5.6.7) id:7654321]Cheap pills",
        },
        "- SpamCop V5.4.0 -\nThis message is brief for your comfort.\n"
        "http://www.spamcop.net/sc?id=z123\n\n"
        "Email from 10.5.6.7 / Thu, 29 Feb 2024 23:10:00 -0800\n\n"
        "Offending message:\nReceived: from [10.99.99.99] by mx.victim.test\n"
        "Subject: Cheap pills\n\nVisit http://pills.shop.test/now\n",
    )
    result = parse(raw)
    (event,) = result.events
    assert result.format == "spamcop"
    assert str(event.ip) == "10.5.6.7" and event.report_id == "7654321"
    assert event.event_time == datetime(2024, 3, 1, 7, 10, tzinfo=UTC)


def test_spamhaus_listing_notice_is_a_blocklist_event():
    raw = mail(
        {"From": "sbl-notify@spamhaus.org", "Subject": "SBL123456: 10.40.0.7 listed"},
        "The following address has been listed in the SBL: 10.40.0.7\n"
        "See https://check.spamhaus.org/sbl/query/SBL123456\n",
    )
    result = parse(raw)
    assert [(str(e.ip), e.type, e.report_id) for e in result.events] == [
        ("10.40.0.7", "blocklist", "SBL123456")
    ]


# --- phishing notices and free text ------------------------------------------------------
def test_phishing_notice_with_defanged_urls():
    raw = mail(
        {
            "From": "soc@brand.test",
            "Subject": "Phishing site hosted on your network",
            "Date": "Thu, 29 Feb 2024 08:00:00 +0000",
        },
        "Hello,\n\nWe found a phishing page impersonating our bank:\n\n"
        "  hxxps://secure-login[.]bank-verify[.]test/account/update.php (10[.]3[.]4[.]5)\n"
        "  http://another-phish [dot] test/login\n\n"
        "For reference see https://www.brand.test/security and https://www.ietf.org/rfc\n",
    )
    result = parse(raw)
    assert result.format == "phishing"
    assert sorted(e.url for e in result.events) == [
        "http://another-phish.test/login",
        "https://secure-login.bank-verify.test/account/update.php",
    ]
    assert {str(e.ip) for e in result.events if e.ip} == {"10.3.4.5"}
    assert all(e.time_source is TimeSource.MAIL_DATE for e in result.events)


def test_free_text_drops_documentation_addresses_unless_configured():
    raw = mail(
        {"From": "noc@isp.test", "Subject": "SSH brute force from your network"},
        "Attacks seen from 192.0.2.44 and from 10.8.8.8 (example address in our docs: 198.51.100.1)\n",  # noqa: E501
    )
    assert [str(e.ip) for e in parse(raw).events] == ["10.8.8.8"]
    kept = parse(raw, options=OPTIONS_KEEP_DOC)
    assert sorted(str(e.ip) for e in kept.events) == ["10.8.8.8", "192.0.2.44", "198.51.100.1"]


def test_structured_fields_keep_documentation_addresses():
    assert [str(e.ip) for e in parse(arf("Feedback-Type: abuse\nSource-IP: 192.0.2.9")).events] == [
        "192.0.2.9"
    ]


def test_free_text_without_a_kind_of_abuse_is_quarantined():
    raw = mail({"From": "someone@isp.test", "Subject": "hello"}, "Please look at 10.1.1.1 thanks\n")
    with pytest.raises(ParseError, match="no kind of abuse"):
        parse(raw)


def test_never_offenders_are_dropped_everywhere():
    raw = mail(
        {"From": "noc@isp.test", "Subject": "port scan"},
        "scans from 127.0.0.1, 224.0.0.5, 0.0.0.0 and 169.254.1.1 and 10.2.2.2\n",
    )
    assert [str(e.ip) for e in parse(raw).events] == ["10.2.2.2"]


# --- forwards --------------------------------------------------------------------------
def test_inline_forwarded_report_is_unwrapped():
    inner = FAIL2BAN.replace(
        "From: fail2ban@web1.customer.test\nTo: abuse@provider.test\n",
        "From: fail2ban@web1.customer.test\n",
    )
    raw = mail(
        {"From": "colleague@provider.test", "Subject": "Fwd: [Fail2Ban] sshd: banned 10.66.1.2"},
        "FYI\n\n---------- Forwarded message ---------\n" + inner,
    )
    result = parse(raw)
    assert result.format == "fail2ban"
    assert [str(e.ip) for e in result.events] == ["10.66.1.2"]


def test_report_forwarded_as_attachment_is_unwrapped():
    inner = arf("Feedback-Type: abuse\nSource-IP: 10.12.12.12")
    raw = mail(
        {
            "From": "customer@provider.test",
            "Subject": "Fw: FBL report",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="f"',
        },
        f"--f\nContent-Type: text/plain\n\nsee attached\n--f\nContent-Type: message/rfc822\n\n{inner}\n--f--\n",  # noqa: E501
    )
    result = parse(raw)
    assert result.format == "arf"
    assert [str(e.ip) for e in result.events] == ["10.12.12.12"]


# --- DMARC aggregate ---------------------------------------------------------------------
AGGREGATE = (
    b'<?xml version="1.0"?><feedback><report_metadata><org_name>mx.test</org_name>'
    b"</report_metadata><policy_published><domain>provider.test</domain></policy_published>"
    b"<record><row><source_ip>10.1.1.1</source_ip></row></record></feedback>"
)


@pytest.mark.parametrize("packing", ["zip", "gz"])
def test_dmarc_aggregate_mail_is_not_abuse(packing):
    if packing == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mx.test!provider.test!1!2.xml", AGGREGATE)
        data, name, kind = buffer.getvalue(), "report.zip", "application/zip"
    else:
        data, name, kind = gzip.compress(AGGREGATE), "report.xml.gz", "application/gzip"
    raw = mail(
        {
            "From": "dmarc@mx.test",
            "Subject": "Report Domain: provider.test Submitter: mx.test Report-ID: 1",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="d"',
        },
        f"--d\nContent-Type: {kind}\nContent-Transfer-Encoding: base64\n"
        f'Content-Disposition: attachment; filename="{name}"\n\n'
        f"{base64.encodebytes(data).decode()}\n--d--\n",
    )
    result = parse(raw)
    assert result.not_abuse and result.format == "dmarc-aggregate" and result.events == ()


def test_dmarc_aggregate_xml_file_is_not_abuse():
    assert parse(AGGREGATE).not_abuse


# --- ACNS inline -------------------------------------------------------------------------
def test_acns_inline_in_a_clear_signed_body_with_dash_escaping():
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nNotice of infringement\n"
        '- ---Start ACNS XML\n<?xml version="1.0"?>\n<Infringement xmlns="http://www.acns.net/ACNS">\n'
        "<Case><ID>A-1</ID></Case><Source><TimeStamp>2024-02-20T10:00:00Z</TimeStamp>"
        "<IP_Address>10.0.9.9</IP_Address><Port>51413</Port><Type>BitTorrent</Type></Source>\n"
        "</Infringement>\n- ---End ACNS XML\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n"  # noqa: E501
    )
    result = parse(mail({"From": "notices@rights.test", "Subject": "Copyright notice"}, body))
    (event,) = result.events
    assert (result.format, event.type, str(event.ip), event.port, event.report_id) == (
        "acns",
        "p2p",
        "10.0.9.9",
        51413,
        "A-1",
    )


# --- XARF JSON through the API entry point ------------------------------------------------
def test_xarf_v4_document_for_the_api():
    body = json.dumps(
        {
            "xarf_version": "4.2.0",
            "report_id": "0b6e8f0c-1111-4222-8333-944445555666",
            "timestamp": "2024-02-01T10:00:00Z",
            "category": "connection",
            "type": "port_scan",
            "reporter": {
                "org": "Scanner Watch",
                "contact": "abuse@watch.test",
                "domain": "watch.test",
            },
            "sender": {
                "org": "Scanner Watch",
                "contact": "abuse@watch.test",
                "domain": "watch.test",
            },
            "source_identifier": "10.3.3.3",
            "source_port": 40000,
            "evidence_source": "ids_detection",
            "destination_ip": "10.200.0.1",
            "protocol": "tcp",
        }
    )
    result = parse_xarf_document(body, received_at=RECEIVED_AT)
    (event,) = result.events
    assert (event.category, event.type, str(event.ip), event.port) == (
        "connection",
        "port_scan",
        "10.3.3.3",
        40000,
    )
    assert event.reporter == "abuse@watch.test"


def test_xarf_v4_with_an_unknown_type_is_refused_with_the_reason():
    with pytest.raises(ParseError, match="unknown category/type"):
        parse_xarf_document(
            '{"xarf_version": "4.0.0", "category": "connection", "type": "teleport", '
            '"source_identifier": "10.1.1.1"}',
            received_at=RECEIVED_AT,
        )


def test_not_xarf_json_is_refused():
    with pytest.raises(ParseError):
        parse_xarf_document('{"hello": "world"}', received_at=RECEIVED_AT)


def test_a_date_header_in_the_future_of_receipt_is_not_trusted():
    raw = mail(
        {"From": "noc@isp.test", "Subject": "port scan", "Date": "Fri, 01 Jan 2038 00:00:00 +0000"},
        "scans from 10.2.2.2\n",
    )
    (event,) = parse(raw).events
    assert event.time_source is TimeSource.RECEIVED and event.event_time == RECEIVED_AT


# --- Amazon SES notifications ------------------------------------------------------------
def _ses_complaint(**complaint: object) -> dict[str, object]:
    return {
        "notificationType": "Complaint",
        "complaint": {"feedbackId": "fb-1", "complaintFeedbackType": "abuse", **complaint},
        "mail": {
            "timestamp": "2024-03-05T08:14:57Z",
            "source": "offers@shop.example",
            "sourceIp": "198.18.40.4",
        },
    }


def test_ses_complaint_saved_as_a_json_document():
    result = parse(json.dumps(_ses_complaint()))
    (event,) = result.events
    assert result.format == "amazon-ses"
    assert (event.ip, event.email) == (ip_address("198.18.40.4"), "offers@shop.example")
    assert event.event_time == datetime(2024, 3, 5, 8, 14, 57, tzinfo=UTC)


def test_ses_complaint_in_the_sns_envelope_as_a_json_document():
    envelope = {"Type": "Notification", "Message": json.dumps(_ses_complaint())}
    (event,) = parse(json.dumps(envelope)).events
    assert event.report_id == "fb-1"


@pytest.mark.parametrize(
    "complaint",
    [{"complaintFeedbackType": "not-spam"}, {"complaintSubType": "OnAccountSuppressionList"}],
)
def test_ses_complaints_that_are_no_complaint(complaint: dict[str, object]):
    result = parse(json.dumps(_ses_complaint(**complaint)))
    assert result.not_abuse and not result.events


def test_ses_delivery_notification_mailed_by_sns_is_not_abuse():
    body = json.dumps({"notificationType": "Delivery", "mail": {"source": "a@shop.example"}})
    headers = {"From": "no-reply@sns.amazonaws.com", "Subject": "AWS Notification Message"}
    result = parse(mail(headers, body))
    assert (result.format, result.not_abuse) == ("amazon-ses", True)


# --- IntelMQ and n6 JSON events --------------------------------------------------------------
def _intelmq_event(address: str = "198.51.100.44", **fields: object) -> dict[str, object]:
    return {
        "feed.name": "sinkhole-http",
        "classification.type": "infected-system",
        "classification.taxonomy": "malicious-code",
        "malware.name": "examplebot",
        "source.ip": address,
        "source.port": 50412,
        "destination.ip": "203.0.113.250",
        "destination.port": 80,
        "time.source": "2024-03-04T21:07:33+00:00",
        "time.observation": "2024-03-05T02:00:00+00:00",
        **fields,
    }


def _only_event(result):
    (event,) = result.events
    return event


def test_intelmq_event_as_one_json_object():
    result = parse(json.dumps(_intelmq_event()))
    event = _only_event(result)
    assert result.format == "intelmq"
    assert (event.ip, event.port) == (ip_address("198.51.100.44"), 50412)
    assert (event.category, event.type, event.rsit_type) == (
        "infrastructure",
        "botnet",
        "infected-system",
    )
    assert event.event_time == datetime(2024, 3, 4, 21, 7, 33, tzinfo=UTC)
    assert event.time_source is TimeSource.REPORT
    # the sinkhole is the destination: kept as a detail, never the offender
    assert event.details["destination_ip"] == "203.0.113.250"


def test_intelmq_events_as_an_array_json_lines_and_an_envelope():
    events = [_intelmq_event("198.51.100.44"), _intelmq_event("198.51.100.45")]
    as_array = parse(json.dumps(events))
    as_lines = parse("\n".join(json.dumps(e) for e in events) + "\n")
    in_envelope = parse(json.dumps({"status": "OK", "data": events}))
    for result in (as_array, as_lines, in_envelope):
        assert result.format == "intelmq"
        assert sorted(str(e.ip) for e in result.events) == ["198.51.100.44", "198.51.100.45"]


def test_intelmq_hierarchical_output_and_other_classifications():
    nested = {
        "source": {"url": "http://files.example.net/invoice.exe", "ip": "198.51.100.60"},
        "classification": {"type": "malware-distribution"},
        "time": {"source": "2024-03-03T10:00:00Z"},
    }
    event = _only_event(parse(json.dumps(nested)))
    assert (event.category, event.type) == ("content", "malware")
    assert event.url == "http://files.example.net/invoice.exe"
    # IntelMQ 2 names and the RSIT types a provider acts on through the same table
    for kind, pair in (
        ("botnet drone", ("infrastructure", "botnet")),
        ("c2-server", ("infrastructure", "botnet")),
        ("brute-force", ("connection", "login_attack")),
        ("ddos-amplifier", ("vulnerability", "open_service")),
        ("phishing", ("content", "phishing")),
    ):
        event = _only_event(parse(json.dumps(_intelmq_event(**{"classification.type": kind}))))
        assert (event.category, event.type) == pair, kind


def test_intelmq_json_as_mail_body_attachment_and_gzipped_attachment():
    document = json.dumps([_intelmq_event()])
    headers = {
        "From": "events@cert.example.org",
        "To": "abuse@provider.example",
        "Date": "Tue, 05 Mar 2024 03:00:00 +0000",
        "Subject": "Automated report for AS64500",
    }
    body = parse(mail(headers, document + "\n\n-- \nCERT Example\n"))
    assert (body.format, _only_event(body).ip) == ("intelmq", ip_address("198.51.100.44"))
    for data, name in (
        (document.encode(), "events.json"),
        (gzip.compress(document.encode()), "events.json.gz"),
    ):
        attached = mail(
            {**headers, "MIME-Version": "1.0", "Content-Type": 'multipart/mixed; boundary="b"'},
            "--b\nContent-Type: text/plain\n\nEvents for your network attached.\n"
            f'--b\nContent-Type: application/octet-stream; name="{name}"\n'
            f'Content-Disposition: attachment; filename="{name}"\n'
            "Content-Transfer-Encoding: base64\n\n"
            f"{base64.encodebytes(data).decode()}--b--\n",
        )
        result = parse(attached)
        assert result.format == "intelmq", name
        assert _only_event(result).reporter == "events@cert.example.org"


def test_intelmq_network_without_an_address_is_no_event():
    record = _intelmq_event(**{"source.ip": None, "source.network": "198.51.100.0/24"})
    with pytest.raises(ParseError, match="no offender"):
        parse(json.dumps(record))


def test_n6_event_with_an_address_list():
    record = {
        "category": "bots",
        "name": "examplebot",
        "source": "cert-example.sinkhole",
        "address": [{"ip": "198.51.100.71", "asn": 64500}, {"ip": "198.51.100.72"}],
        "time": "2024-03-02T08:09:10.123456Z",
        "sport": 40001,
        "dport": 80,
        "id": "0f1e2d3c",
        "type": "event",
    }
    result = parse(json.dumps(record))
    assert result.format == "n6"
    assert [str(e.ip) for e in result.events] == ["198.51.100.71", "198.51.100.72"]
    assert {(e.category, e.type, e.port) for e in result.events} == {
        ("infrastructure", "botnet", 40001)
    }
    assert result.events[0].report_id == "0f1e2d3c"


def test_n6_phishing_url_and_a_dos_victim():
    phish = {"category": "phish", "url": "http://login.example.net/", "time": "2024-03-02T08:00Z"}
    event = _only_event(parse(json.dumps(phish)))
    assert (event.type, event.url) == ("phishing", "http://login.example.net/")
    victim = {"category": "dos-victim", "address": [{"ip": "198.51.100.9"}], "time": "2024-03-02"}
    event = _only_event(parse(json.dumps(victim)))
    assert event.role.value == "victim"


# --- zero-padded addresses, CERT-EU and C&C lists in CSV ------------------------------------
def test_zero_padded_addresses_in_an_address_list_and_column():
    listing = (
        "Port scans reported from your network\n"
        "# source IP\treports\tfirst seen\n"
        "198.051.100.007\t12\t2024-03-01\n"
        "Release 001.002.003 notes: version 1.02.03.04 of 2024.03.01\n"
    )
    result = parse(listing, options=OPTIONS_KEEP_DOC)
    assert [str(e.ip) for e in result.events] == ["198.51.100.7"]
    table = "ip,port,timestamp,type\n198.051.100.008,22,2024-03-01 10:00:00,scanner\n"
    (event,) = parse(table).events
    assert event.ip == ip_address("198.51.100.8")


def test_csv_source_time_and_url_in_the_column_named_after_the_kind():
    table = (
        "source ip,type,source time,phishing,malware url\n"
        "198.51.100.30,phishing,2024-03-01 09:08:07Z,https://login.example.net/x/,\n"
    )
    (event,) = parse(table).events
    assert (event.type, event.url) == ("phishing", "https://login.example.net/x/")
    assert event.event_time == datetime(2024, 3, 1, 9, 8, 7, tzinfo=UTC)


def test_csv_with_intelmq_column_names():
    table = (
        "time.source,source.ip,source.port,classification.type,malware.name\n"
        "2024-03-01T01:02:03+00:00,198.51.100.31,4444,infected-system,examplebot\n"
    )
    (event,) = parse(table).events
    assert (event.ip, event.port) == (ip_address("198.51.100.31"), 4444)
    assert (event.category, event.type, event.rsit_type) == (
        "infrastructure",
        "botnet",
        "infected-system",
    )


def test_c2_list_names_its_servers_in_the_destination_column():
    c2 = (
        "# Example Tracker botnet C2 server list\n"
        "first_seen,dst_ip,dst_port,malware\n"
        "2024-03-01 10:00:00,198.51.100.90,8443,examplebot\n"
    )
    (event,) = parse(c2, filename="c2.csv").events
    assert (event.ip, event.port) == (ip_address("198.51.100.90"), 8443)
    assert (event.category, event.type, event.rsit_type) == (
        "infrastructure",
        "botnet",
        "c2-server",
    )
    # without C2 words the destination column is the sensor's side: no offender
    sensor = c2.replace("botnet C2 server list", "sensor log")
    with pytest.raises(ParseError):
        parse(sensor, filename="sensor.csv")
