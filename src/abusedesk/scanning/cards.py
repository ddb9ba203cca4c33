"""Payment card numbers: brand prefix and length, Luhn check digit, printed grouping.

A candidate is 12-19 digits, written solid or in groups separated by one kind of separator
(space or dash) as cards are printed: 4-4-4-4(-3), 4-6-5 (Amex) or 4-6-4 (Diners). It must
carry a known brand's prefix and length and pass Luhn. Runs of one repeated digit pass Luhn
and are refused, and so are the test numbers payment processors publish (they fill source
code and fixtures, never a wallet). The value's label (``context.label``: the words before
it, or its column's header) decides the rest (``context.named_as``): card words raise the
confidence; a label naming a test value (``sample``), or an id or a time without card
words (``order_id``, ``ts``), refuses the number, since one random 16-digit id in ten
passes Luhn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.context import label, named_as
from abusedesk.scanning.findings import Hit, digits_of, mask

DETECTOR = "credit-card"

_CANDIDATE = re.compile(r"(?<![\w./+-])\d(?:[ -]?\d){11,18}(?![\w-]|\.\d)")
#: Each digit doubled, less nine when two digits (Luhn's every second digit).
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
#: First digits of every brand below: a number starting otherwise is no card.
_BRAND_FIRST_DIGITS = frozenset("23456")
_GROUPINGS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 4, 1)}
_CONTEXT = frozenset({"card", "cards", "cardnumber", "cardno", "creditcard", "visa",
                      "mastercard", "amex", "credit", "cc", "ccnum", "pan", "cvv", "cvc",
                      "karte", "kreditkarte", "carte", "tarjeta"})
#: Test numbers published by card brands and payment processors for integration tests.
TEST_NUMBERS = frozenset({
    "4111111111111111", "4012888888881881", "4222222222222", "4242424242424242",
    "4000056655665556", "4000000000000002", "4917610000000000", "5555555555554444",
    "5105105105105100", "5200828282828210", "5500000000000004", "2223003122003222",
    "2223000048400011", "378282246310005", "371449635398431", "378734493671000",
    "6011111111111117", "6011000990139424", "6011000000000004", "3530111333300000",
    "3566002020360505", "3566111111111113", "30569309025904", "38520000023237",
    "36227206271667", "6200000000000005",
})

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
    total = sum(map(int, digits[-1::-2])) + sum(_DOUBLED[int(char)] for char in digits[-2::-2])
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
        digits = digits_of(written)
        if (digits[0] not in _BRAND_FIRST_DIGITS or not luhn_ok(digits)
                or digits in TEST_NUMBERS or len(set(digits)) == 1
                or not _grouping_ok(written)):
            continue
        brand = brand_of(digits)
        if brand is None:
            continue
        named = named_as(label(text, match.start()), _CONTEXT)
        if named is False:
            continue
        near = named is True
        solid = written.isdigit()
        # A solid run that passes Luhn by chance (one in ten) is likelier without card words.
        confidence = 0.95 if near else (0.6 if solid else 0.8)
        yield Hit(DETECTOR, mask(digits), match.start(), len(written), confidence, brand)
