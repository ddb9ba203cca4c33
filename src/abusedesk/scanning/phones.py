"""Telephone numbers: international (E.164-like, ``+`` and 8-15 digits) or, next to a
phone word, national ones such as ``(555) 010-0199``.

Numbers without ``+`` are taken only when their label (``context.label``) is a word like
"phone", "tel" or "mobile": digits alone are dates, order numbers and amounts far more
often. A label naming an id, a time or a test value refuses any number. Dotted numbers are
left out (they are IP addresses and versions more often than phones), and so are dates and
Unix times.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.context import label, mentions_any, named_as
from abusedesk.scanning.findings import Hit, digits_of, mask

DETECTOR = "phone"

_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ -]?\(?\d{1,5}\)?){1,5}(?![\w-])")
_NATIONAL = re.compile(r"(?<![\w+-])\(?\d{2,5}\)?(?:[ -]?\d{2,5}){1,4}(?![\w-])")
_DATE = re.compile(r"^(?:\d{4}[-/. ]\d{2}[-/. ]\d{2}|\d{2}[-/. ]\d{2}[-/. ]\d{4})$")
#: Ten or thirteen digits from 1: Unix time in seconds or milliseconds (2001-2033), not
#: a national number (no numbering plan has an area code starting with 1 at that length).
_EPOCH = re.compile(r"^1\d{9}(?:\d{3})?$")
_CONTEXT = frozenset({"phone", "tel", "telephone", "mobile", "cell", "fax", "call",
                      "whatsapp", "telefon", "telefono", "handy", "contact"})


def find_phones(text: str) -> Iterator[Hit]:
    """Phone numbers in ``text``, masked to their last four digits."""
    taken: list[tuple[int, int]] = []  # international spans, in order
    for match in _INTERNATIONAL.finditer(text):
        digits = digits_of(match.group(0))
        if not 8 <= len(digits) <= 15 or digits[0] == "0" or _DATE.match(match.group(0)[1:]):
            continue
        named = named_as(label(text, match.start()), _CONTEXT)
        if named is False:
            continue
        taken.append(match.span())
        yield Hit(DETECTOR, "+" + mask(digits), match.start(), len(match.group(0)),
                  0.9 if named else 0.7)
    if not mentions_any(text, _CONTEXT):
        return  # national numbers need a phone word, and this text has none
    index = 0
    for match in _NATIONAL.finditer(text):
        while index < len(taken) and taken[index][1] <= match.start():
            index += 1
        if index < len(taken) and taken[index][0] <= match.start():
            continue  # a part of an international number
        written = match.group(0)
        digits = digits_of(written)
        if not 7 <= len(digits) <= 12 or _DATE.match(written) or _EPOCH.match(written):
            continue
        if named_as(label(text, match.start(), count=3), _CONTEXT):
            yield Hit(DETECTOR, mask(digits), match.start(), len(written), 0.6)
