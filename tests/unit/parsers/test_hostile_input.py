"""Hostile complaints get a clear quarantine reason, never a crash, a hang or a blow-up."""

from __future__ import annotations

import base64
import gzip

import pytest

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.parsers.limits import Limits, safe_gunzip, safe_unzip
from abusedesk.parsers.result import ParseOptions
from tests.support.archives import zipped
from tests.unit.parsers.helpers import mail, parse


def test_zip_bomb_is_stopped_by_the_ratio_limit():
    bomb = zipped({"report.csv": b"0" * (20 * 1024 * 1024)})
    with pytest.raises(InputLimitExceeded, match="zip bomb"):
        safe_unzip(bomb)


def test_zip_with_too_many_members_is_refused():
    archive = zipped({f"f{i}.csv": b"x" for i in range(60)})
    with pytest.raises(InputLimitExceeded, match="members"):
        safe_unzip(archive)


def test_zip_total_size_limit_counts_inflated_bytes():
    archive = zipped({"a.csv": b"a,b,c\n" * 50_000, "b.csv": b"a,b,c\n" * 50_000})
    with pytest.raises(InputLimitExceeded):
        safe_unzip(archive, limits=Limits(max_inflated_bytes=400_000, max_inflate_ratio=10_000))


def test_ordinary_zip_opens_and_filters_by_suffix():
    archive = zipped({"x/2024-01-01-scan_ssh.csv": b"timestamp,ip\n", "readme.txt": b"hi"})
    members = safe_unzip(archive, suffixes=(".csv",))
    assert [m.name for m in members] == ["x/2024-01-01-scan_ssh.csv"]
    assert members[0].data == b"timestamp,ip\n"


def test_corrupt_zip_is_a_parse_error_not_a_crash():
    with pytest.raises(ParseError, match="corrupt zip"):
        safe_unzip(b"PK\x03\x04garbage")


def test_gzip_bomb_is_stopped():
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024))
    with pytest.raises(InputLimitExceeded, match="bomb"):
        safe_gunzip(bomb)


def test_zip_bomb_attached_to_a_shadowserver_mail_is_quarantined():
    bomb = base64.encodebytes(
        zipped({"2024-01-01-scan_ssh-asn.csv": b"1" * (30 * 1024 * 1024)})
    ).decode()
    raw = mail(
        {
            "From": "autoreports@shadowserver.org",
            "Subject": "Shadowserver scan_ssh Report",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="z"',
        },
        "--z\nContent-Type: text/plain\n\nreport attached\n--z\n"
        "Content-Type: application/zip\nContent-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="2024-01-01-scan_ssh-asn.csv.zip"\n\n'
        f"{bomb}\n--z--\n",
    )
    with pytest.raises(InputLimitExceeded, match="zip bomb"):
        parse(raw)


def test_deep_mime_nesting_is_refused():
    depth = 40
    head = 'From: a@b.test\nSubject: nest\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n'  # noqa: E501
    body = ""
    for level in range(depth):
        body += f'--b{level}\nContent-Type: multipart/mixed; boundary="b{level + 1}"\n\n'
    body += f"--b{depth}\nContent-Type: text/plain\n\nspam from 198.18.0.1\n"
    for level in range(depth, -1, -1):
        body += f"--b{level}--\n"
    with pytest.raises(InputLimitExceeded, match="nested|boundaries"):
        parse(head + body)


def test_huge_header_block_is_refused():
    raw = (
        "From: a@b.test\n" + "".join(f"X-Junk-{i}: {'x' * 200}\n" for i in range(4000)) + "\nbody\n"
    )
    with pytest.raises(InputLimitExceeded, match="header"):
        parse(raw)


def test_oversized_message_is_refused_before_parsing():
    options = ParseOptions(limits=Limits(max_message_bytes=10_000))
    with pytest.raises(InputLimitExceeded, match="limit"):
        parse("From: a@b.test\n\n" + "x" * 20_000, options=options)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-1.0">
<Incident>&lol3;</Incident></IODEF-Document>
"""


def test_billion_laughs_xml_document_is_refused():
    with pytest.raises(ParseError, match="DTD or entities"):
        parse(BILLION_LAUGHS)


def test_billion_laughs_inside_an_acns_mail_is_refused():
    raw = mail(
        {
            "From": "notices@rights.test",
            "Subject": "Notice of infringement",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="q"',
        },
        "--q\nContent-Type: text/plain\n\nsee attached\n--q\nContent-Type: application/xml\n"
        'Content-Disposition: attachment; filename="n.xml"\n\n'
        + BILLION_LAUGHS.replace("IODEF-Document", "Infringement")
        + "\n--q--\n",
    )
    with pytest.raises(ParseError, match="DTD or entities"):
        parse(raw)


def test_yaml_object_tag_in_an_x_arf_report_is_refused():
    report = (
        "---\nReported-From: abuse@reporter.test\nCategory: abuse\nReport-Type: login-attack\n"
        "Source: !!python/object/apply:os.system ['echo pwned']\nSource-Type: ip-address\n"
    )
    raw = mail(
        {
            "From": "abuse@reporter.test",
            "Subject": "abuse report",
            "X-ARF": "YES",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/mixed; boundary="x"',
        },
        f'--x\nContent-Type: text/plain\n\nhuman part\n--x\nContent-Type: text/plain; name="report.txt"\n\n{report}\n--x--\n',  # noqa: E501
    )
    with pytest.raises(ParseError, match="YAML tag"):
        parse(raw)


def test_json_nesting_bomb_is_refused():
    with pytest.raises(InputLimitExceeded, match="nests"):
        parse("[" * 5000 + "]" * 5000)


def test_invalid_charset_degrades_to_text():
    raw = mail(
        {
            "From": "abuse@reporter.test",
            "Subject": "phishing site on your network",
            "Content-Type": "text/plain; charset=x-no-such-charset",
            "Content-Transfer-Encoding": "8bit",
        },
        "",
    )
    data = raw.encode() + "Phishing page: hxxp://login-bank[.]shop.test/verify \xe9\xff\n".encode(
        "latin-1"
    )
    result = parse(data)
    assert [e.url for e in result.events] == ["http://login-bank.shop.test/verify"]


def test_garbage_bytes_get_a_reason():
    with pytest.raises(ParseError):
        parse(bytes(range(256)) * 10)
