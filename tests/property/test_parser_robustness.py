"""Property tests: mutated corpus files and random bytes never raise anything but the
documented errors (``ParseError`` and its ``InputLimitExceeded``), and results stay sane.

Mutations are those real mail suffers and attackers try: flipped bytes, truncation, spliced
chunks of another report, duplicated regions (deeper MIME), inserted header lines and
boundary markers. Without the shared corpus the tests run on small built-in samples.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import XARF_TYPES
from abusedesk.parsers import ParseResult, parse_complaint
from abusedesk.parsers.limits import Limits
from abusedesk.parsers.result import ParseOptions

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()
RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)
# Smaller bounds than production so that bombs built from mutations trip them quickly.
OPTIONS = ParseOptions(limits=Limits(max_message_bytes=2_000_000, max_inflated_bytes=4_000_000))

BUILT_IN = [
    b"From: fbl@mx.test\nSubject: report\nMIME-Version: 1.0\nContent-Type: multipart/report; "
    b'report-type=feedback-report; boundary="b"\n\n--b\nContent-Type: text/plain\n\nx\n--b\n'
    b"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nSource-IP: 10.1.1.1\n--b--\n",
    b"From: abuse@h.test\nSubject: report\nX-ARF: YES\n\n---\nCategory: abuse\nReport-Type: login-attack\n"  # noqa: E501
    b"Source: 10.2.2.2\nSource-Type: ip-address\nDate: 2024-01-01 10:00:00 +0000\n",
    b'{"xarf_version": "4.2.0", "category": "messaging", "type": "spam", "source_identifier": "10.3.3.3",'  # noqa: E501
    b' "timestamp": "2024-01-01T00:00:00Z"}',
]


def _samples() -> list[bytes]:
    if not CORPUS.is_dir():
        return BUILT_IN
    picked = []
    for pattern in (
        "abuseio/**/*.eml",
        "sisimai-arf/*.eml",
        "xarf-spec/**/*.json",
        "abusix-xarf-v3/*.json",
        "iodef/*.xml",
        "intelmq-other/*.txt",
    ):
        picked.extend(sorted(CORPUS.glob(pattern)))
    return [p.read_bytes() for p in picked] + BUILT_IN


SAMPLES = _samples()


def check(raw: bytes) -> None:
    try:
        result = parse_complaint(raw, received_at=RECEIVED_AT, options=OPTIONS)
    except ParseError as error:  # InputLimitExceeded is a ParseError
        assert error.reason and isinstance(error.reason, str)
        return
    assert isinstance(result, ParseResult)
    assert result.not_abuse or result.events
    for event in result.events:
        assert event.type in XARF_TYPES[event.category]
        assert event.offender is not None
        assert event.event_time is not None and event.event_time.tzinfo is not None
        assert event.port is None or 0 < event.port < 65536


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "duplicate", "insert"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[position:]
        elif kind == "splice":
            other = draw(st.sampled_from(SAMPLES))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            data[position:position] = other[start : start + draw(st.integers(1, 2000))]
        elif kind == "duplicate" and data:
            end = min(len(data), position + draw(st.integers(1, 4000)))
            data[position:position] = data[position:end] * draw(st.integers(1, 20))
        else:
            data[position:position] = draw(
                st.sampled_from(
                    [
                        b'\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\n',
                        b"\nContent-Transfer-Encoding: base64\n",
                        b'\ncharset="x-unknown"\n',
                        b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
                        b"!!python/object:os.system ",
                        b"\x00\xff\xfe",
                        b"Source-IP: 999.1.1.1\n",
                        b"Date: Feb 30 2024 25:61:00 +9999\n",
                        b"\n--\n",
                        b"[" * 100,
                    ]
                )
            )
    return bytes(data)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_mutated_reports_raise_only_documented_errors(raw: bytes) -> None:
    check(raw)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000))
def test_random_bytes_raise_only_documented_errors(raw: bytes) -> None:
    check(raw)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_random_text_mail_bodies_raise_only_documented_errors(body: str) -> None:
    check(
        ("From: someone@isp.test\nSubject: spam from your network\n\n" + body).encode(
            "utf-8", "surrogatepass"
        )
    )
