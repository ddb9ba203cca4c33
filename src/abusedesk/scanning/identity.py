"""Identity-document numbers, taken only next to a word that names the document.

* US Social Security numbers (``123-45-6789``, or nine solid digits) after "SSN" or
  "social security": area 000, 666 and 900-999, group 00 and serial 0000 are never issued,
  and the numbers printed on sample cards are refused.
* Passport numbers after "passport" (or its German, French, Spanish words): one or two
  letters then six to eight digits, or eight or nine digits.

The word must be in the value's label (``context.label``: the words just before it, or
its column's header, so every row of an ``ssn`` column counts). Without the word these
patterns are phone extensions, invoice and order numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.context import label, mentions_any, named_as
from abusedesk.scanning.findings import Hit, mask

SSN = "ssn"
PASSPORT = "passport"

_SSN = re.compile(r"(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])")
_SSN_WORDS = frozenset({"ssn", "social security", "soc sec", "ss"})
#: Numbers printed on sample cards and in advertising, never a person's.
_SSN_SAMPLES = frozenset({"078051120", "219099999", "123456789"})

_PASSPORT = re.compile(r"(?<![\w-])([A-Za-z]{1,2}\d{6,8}|\d{8,9})(?![\w-])")
_PASSPORT_WORDS = frozenset({"passport", "reisepass", "passeport", "pasaporte", "passaporto"})


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """True for an SSN that could have been issued (the SSA's area, group, serial rules)."""
    if area in ("000", "666") or area.startswith("9"):
        return False
    if group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_SAMPLES


def find_ssns(text: str) -> Iterator[Hit]:
    """US Social Security numbers after an SSN word, masked to their last four digits."""
    if not mentions_any(text, _SSN_WORDS):
        return
    for match in _SSN.finditer(text):
        if not named_as(label(text, match.start()), _SSN_WORDS):
            continue
        area, separator, group, serial = match.groups()
        if not ssn_ok(area, group, serial):
            continue
        confidence = 0.85 if separator else 0.7
        yield Hit(SSN, mask(area + group + serial), match.start(), len(match.group(0)),
                  confidence, "us-ssn")


def find_passports(text: str) -> Iterator[Hit]:
    """Passport numbers after a passport word, masked to their last four characters."""
    if not mentions_any(text, _PASSPORT_WORDS):
        return
    for match in _PASSPORT.finditer(text):
        if not named_as(label(text, match.start()), _PASSPORT_WORDS):
            continue
        value = match.group(1).upper()
        if len(set(value)) == 1:
            continue
        yield Hit(PASSPORT, mask(value), match.start(), len(match.group(0)), 0.75,
                  "passport")
