"""Realistic abuse mail that the parsers were not written against, with expectations decided
by reading each mail.

Every ``fixtures/<case>.eml`` was written for this test in the shape real senders use (SpamCop,
Spamhaus, feedback loops, JMRP, national CERTs, takedown services, fail2ban, forwards from
Gmail, Outlook and Apple Mail, TNEF, DMARC reports, bounces, several charsets and languages);
addresses are documentation ranges and ``example`` names. Beside it, ``<case>.json`` states
what a person reading the mail decides: the format, whether it is abuse, the quarantine
reason, and each offender with its kind, time and time source. A ``<case>.txt`` is a report
handed over without its mail (a saved attachment), read the same way.

Documentation ranges stand in for real public addresses here, so free text keeps them
(``free_text_documentation_ranges``), as the CLI does with ``--keep-documentation-ranges``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from abusedesk.domain.errors import ParseError
from abusedesk.interfaces.cli.parse import event_json
from abusedesk.parsers import ParseOptions, parse_complaint

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RECEIVED_AT = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
OPTIONS = ParseOptions(free_text_documentation_ranges=True)
#: Every expected event states these; ``email`` and ``report_id`` are compared when stated.
REQUIRED = ("ip", "port", "url", "domain", "category", "type", "event_time", "time_source")


def cases() -> list[Path]:
    return sorted([*FIXTURES.glob("*.eml"), *FIXTURES.glob("*.txt")])


def _sort_key(event: dict[str, object]) -> tuple[str, str]:
    return (str(event.get("ip")), str(event.get("url")))


def test_every_fixture_has_an_expectation() -> None:
    assert len(cases()) >= 30
    for mail in cases():
        expected = json.loads(mail.with_suffix(".json").read_text())
        for event in expected["events"]:
            assert set(REQUIRED) <= set(event), f"{mail.name}: expected event lacks a field"


@pytest.mark.parametrize("mail", cases(), ids=lambda p: p.stem)
def test_realworld_mail(mail: Path) -> None:
    expected = json.loads(mail.with_suffix(".json").read_text())
    try:
        result = parse_complaint(mail.read_bytes(), received_at=RECEIVED_AT, options=OPTIONS)
    except ParseError as error:
        assert expected["error"], f"unexpected quarantine: {error.reason}"
        assert expected["error"].lower() in error.reason.lower(), error.reason
        return
    assert expected["error"] is None, f"expected quarantine ({expected['error']}), got {result}"
    assert (result.format, result.not_abuse) == (expected["format"], expected["not_abuse"])
    if result.not_abuse:
        assert result.not_abuse_reason
    actual = [event_json(e) for e in result.events]
    wanted = sorted(expected["events"], key=_sort_key)
    got = sorted(
        (
            {key: event[key] for key in want}
            for event, want in zip(sorted(actual, key=_sort_key), wanted, strict=False)
        ),
        key=_sort_key,
    )
    assert len(actual) == len(wanted), json.dumps(actual, indent=1, default=str)
    assert got == wanted
