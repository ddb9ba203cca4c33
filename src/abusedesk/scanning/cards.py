"""Payment card numbers: brand prefix and length, Luhn check digit, printed grouping.

A candidate is 12-19 digits, written solid or in groups separated by one kind of separator
(space or dash) as cards are printed: 4-4-4-4(-3), 4-6-5 (Amex) or 4-6-4 (Diners). It must
carry a known brand's prefix and length and pass Luhn. Runs of one repeated digit pass Luhn
and are refused. Confidence rises when card words stand before the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.findings import Hit, context_before, mask

DETECTOR = "credit-card"

_CANDIDATE = re.compile(r"(?<![\w./+-])\d(?:[ -]?\d){11,18}(?![\w-]|\.\d)")
_GROUPINGS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 4, 1)}
_CONTEXT = ("card", "visa", "mastercard", "amex", "credit", "cc#", "ccnum", "pan", "cvv",
            "cvc", "exp", "karte", "carte", "tarjeta")

#: (brand, prefix ranges as (low, high) over the leading digits, allowed lengths)
_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("visa", ((4, 4),), frozenset({13, 16, 19})),
    ("mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("amex", ((34, 34), (37, 37)), frozenset({15})),
    ("discover", ((6011, 6011), (644, 649), (65, 65)), frozenset({16, 17, 18, 19})),
    ("jcb", ((3528, 3589),), frozenset({16, 17, 18, 19})),
    ("diners", ((300, 305), (36, 36), (38, 39)), frozenset({14, 15, 16, 17, 18, 19})),
    ("unionpay", ((62, 62),), frozenset({16, 17, 18, 19})),
)


def luhn_ok(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str | None:
    """The card brand whose prefix and length ``digits`` carry, or None."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return brand
    return None


def _grouping_ok(written: str) -> bool:
    separators = {ch for ch in written if not ch.isdigit()}
    if not separators:
        return True
    if len(separators) > 1:
        return False
    groups = tuple(len(part) for part in re.split(r"[ -]", written))
    return groups in _GROUPINGS


def find_cards(text: str) -> Iterator[Hit]:
    """Card numbers in ``text``, masked to their last four digits."""
    for match in _CANDIDATE.finditer(text):
        written = match.group(0)
        digits = re.sub(r"\D", "", written)
        if len(set(digits)) == 1 or not _grouping_ok(written):
            continue
        brand = brand_of(digits)
        if brand is None or not luhn_ok(digits):
            continue
        near = context_before(text, match.start(), _CONTEXT)
        solid = written.isdigit()
        # A solid run that passes Luhn by chance (one in ten) is likelier without card words.
        confidence = 0.95 if near else (0.6 if solid else 0.8)
        yield Hit(DETECTOR, mask(digits), match.start(), len(written), confidence, brand)
