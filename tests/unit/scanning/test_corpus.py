"""PII detectors over a small corpus of realistic files (tests/unit/scanning/corpus).

``clean/`` holds what web hosts are full of and holds no private data: access logs with
request and session ids, CSV exports keyed by 16-digit order ids, JSON lines of UUIDs and
epoch times, source code with the published example IBANs and test card numbers, minified
JavaScript, CSS with base64 images and ``@2x.png`` names, SQL dumps of a catalogue. Many of
their ids pass Luhn on purpose. ``leaks/`` holds what a scan must report: cards in a
leaked SQL dump, IBANs in a CSV of payouts, SSNs next to names. All of it is invented.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from abusedesk.scanning.pii import find_pii

CORPUS = Path(__file__).parent / "corpus"


def _found(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    return [(hit.detector, text[hit.offset : hit.offset + hit.length])
            for hit in find_pii(text)]


@pytest.mark.parametrize("path", sorted((CORPUS / "clean").iterdir()), ids=lambda p: p.name)
def test_nothing_is_found_in_ordinary_files(path: Path) -> None:
    assert _found(path) == []


@pytest.mark.parametrize(("name", "expected"), [
    ("customers.sql", {"credit-card": 3, "email": 3}),
    ("payouts.csv", {"iban": 4}),
    ("staff.csv", {"ssn": 3}),
])
def test_leaks_are_found(name: str, expected: dict[str, int]) -> None:
    found = _found(CORPUS / "leaks" / name)
    assert Counter(detector for detector, _ in found) == expected
    assert len({value for _, value in found}) == len(found)


def test_every_row_of_a_named_column_counts() -> None:
    rows = "\n".join(f"Person {n},2{n:02d}-45-67{n:02d},Springfield" for n in range(1, 21))
    text = "name,ssn,city\n" + rows + "\n"
    assert len([hit for hit in find_pii(text) if hit.detector == "ssn"]) == 20


@pytest.mark.parametrize("text", [
    "phone_ids = [5551234567]",                # the nearest naming word is an id
    "call_count = 555 0143",
    "contact_time=1772445601",                 # Unix time, not a national number
    "tel: 1709632800123",                      # milliseconds
    "fax_version = '2026 03 01'",              # a date with spaces
    "since +2026-03-01",                       # a date with a sign is no phone
    "in the hotel 555 0143",                   # "tel" inside a word
])
def test_phone_near_misses(text: str) -> None:
    assert [hit for hit in find_pii(text) if hit.detector == "phone"] == []
