"""Items read as text for the PII detectors: UTF-8, Latin-1 and UTF-16/32 exports."""

from __future__ import annotations

import codecs

import pytest

from abusedesk.scanning.scan import Scanner
from abusedesk.scanning.text import as_text

EXPORT = "name\tssn\nJane Roe\t219-45-6789\nOmar Haddad\t287-65-4320\n"


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF16_LE + EXPORT.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + EXPORT.encode("utf-16-be"),
    EXPORT.encode("utf-16-le"),                   # no BOM, as some Windows tools write
    codecs.BOM_UTF32_LE + EXPORT.encode("utf-32-le"),
    codecs.BOM_UTF8 + EXPORT.encode("utf-8"),
], ids=["utf16le-bom", "utf16be-bom", "utf16le", "utf32le-bom", "utf8-bom"])
def test_unicode_exports_are_read_as_text(data: bytes) -> None:
    assert as_text(data) == EXPORT
    result = Scanner().scan("export.txt", data)
    assert [f.detector for f in result.findings] == ["ssn", "ssn"]
    assert [f.line for f in result.findings] == [2, 3]


def test_binary_content_is_not_text() -> None:
    assert as_text(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8) is None
    assert as_text(b"PNG\x00\x00\x00\rIHDR card 4556 7375 8950 1235") is None


def test_an_odd_trailing_byte_does_not_break_utf16() -> None:
    assert as_text(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"x") == "ok"


def test_findings_are_capped_per_item_with_a_reason() -> None:
    data = b"".join(b"user%d@example.com\n" % n for n in range(50))
    result = Scanner(max_findings=10).scan("list.txt", data)
    assert len(result.findings) == 10
    assert "more than 10 private data findings" in result.unscanned[0].reason
    assert [f.line for f in result.findings] == list(range(1, 11))


@pytest.mark.parametrize(("data", "capped"), [
    (b"12 " * 350_000, False),                                        # number-like, one line
    (b"".join(b"user%d@example.com, " % n for n in range(30_000)), True),  # many hits, one line
    (b"".join(b"tel: +44 20 7946 %04d\n" % (n % 10_000) for n in range(30_000)), True),
], ids=["digits", "addresses", "phones"])
def test_hostile_text_is_scanned_to_a_bounded_result(data: bytes, capped: bool) -> None:
    # How fast is bench/scan.py's business; here: it ends, and its output is bounded.
    result = Scanner().scan("hostile.txt", data)
    assert len(result.findings) <= 10_000
    assert bool(result.unscanned) is capped
    if capped:
        assert "more than 10000 private data findings" in result.unscanned[0].reason
