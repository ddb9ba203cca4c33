"""Telephone numbers: international (E.164-like, ``+`` and 8-15 digits) or, next to a
phone word, national ones such as ``(555) 010-0199``.

Numbers without ``+`` are taken only after a word like "phone", "tel" or "mobile": digits
alone are dates, order numbers and amounts far more often. Dotted numbers are left out
(they are IP addresses and versions more often than phones), and so are dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.findings import Hit, context_before, mask

DETECTOR = "phone"

_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ -]?\(?\d{1,5}\)?){1,5}(?![\w-])")
_NATIONAL = re.compile(r"(?<![\w+-])\(?\d{2,5}\)?(?:[ -]?\d{2,5}){1,4}(?![\w-])")
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4})$")
_CONTEXT = ("phone", "tel", "mobile", "cell", "fax", "call", "whatsapp", "telefon",
            "téléphone", "handy", "contact")


def find_phones(text: str) -> Iterator[Hit]:
    """Phone numbers in ``text``, masked to their last four digits."""
    taken: list[tuple[int, int]] = []
    for match in _INTERNATIONAL.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if not 8 <= len(digits) <= 15 or digits[0] == "0":
            continue
        taken.append(match.span())
        near = context_before(text, match.start(), _CONTEXT, span=30)
        yield Hit(DETECTOR, "+" + mask(digits), match.start(), len(match.group(0)),
                  0.9 if near else 0.7)
    for match in _NATIONAL.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        digits = re.sub(r"\D", "", match.group(0))
        if not 7 <= len(digits) <= 12 or _DATE.match(match.group(0)):
            continue
        if context_before(text, match.start(), _CONTEXT, span=25):
            yield Hit(DETECTOR, mask(digits), match.start(), len(match.group(0)), 0.6)
