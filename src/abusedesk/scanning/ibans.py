"""IBANs (ISO 13616): country code, its fixed length, and the mod-97 check.

Written solid (``DE89370400440532013000``) or in groups of four (``DE89 3704 0044 ...``),
upper or lower case. The country must be one whose length is known here; the value must
be exactly that long and followed by no further letter or digit, and its check digits
must give 1 modulo 97. Where a country's account part is digits only (``NUMERIC_BBAN``),
a letter there refuses the value, so hexadecimal ids (``be12...``) are not taken. The example
IBANs of standards and bank documentation, and values labelled as test data
(``context.FAKE_WORDS``), are refused: they fill source code and fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from abusedesk.scanning.context import FAKE_WORDS, label, names_any
from abusedesk.scanning.findings import Hit, mask

DETECTOR = "iban"

#: IBAN length by country (SWIFT IBAN registry).
LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}

#: Countries whose BBAN (the part after the check digits) is all digits.
NUMERIC_BBAN = frozenset({
    "AT", "BA", "BE", "CZ", "DE", "DK", "EE", "EG", "ES", "FI", "FO", "GL", "HR", "HU", "IL",
    "IS", "LT", "ME", "NO", "PL", "PT", "RS", "SE", "SI", "SK", "TN", "XK",
})
#: Example IBANs printed in standards, registries and bank documentation.
EXAMPLES = frozenset({
    "DE89370400440532013000", "GB82WEST12345698765432", "GB29NWBK60161331926819",
    "FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034",
    "ES9121000418450200051332", "IT60X0542811101000000123456", "AT611904300234573201",
    "CH9300762011623852957", "PL61109010140000071219812874", "SE4550000000058398257466",
    "DK5000400440116243", "FI2112345600000785", "NO9386011117947", "IE29AIBK93115212345678",
    "PT50000201231234567890154", "LU280019400644750000",
})

_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")
_CONTEXT = frozenset({"iban", "account", "konto", "compte", "cuenta", "bank", "sepa"})


def checksum_ok(iban: str) -> bool:
    """True when the compact upper-case ``iban`` passes the mod-97 check."""
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _take(text: str, start: int, length: int) -> tuple[str, int] | None:
    """``length`` alphanumerics from ``start``, solid or grouped by four; (value, end)."""
    chars: list[str] = []
    position = start
    grouped: bool | None = None
    while len(chars) < length and position < len(text):
        char = text[position]
        if char == " " and grouped is not False and len(chars) % 4 == 0 and chars:
            grouped = True
            position += 1
            continue
        if not char.isascii() or not char.isalnum():
            return None
        if len(chars) % 4 == 0 and len(chars) >= 4 and grouped is None:
            grouped = False
        chars.append(char)
        position += 1
    if len(chars) < length:
        return None
    if position < len(text) and text[position].isascii() and text[position].isalnum():
        return None
    return "".join(chars), position


def find_ibans(text: str) -> Iterator[Hit]:
    """IBANs in ``text``, masked to their last four characters; the country is the label."""
    for match in _START.finditer(text):
        country = match.group(1).upper()
        length = LENGTHS.get(country)
        if length is None:
            continue
        taken = _take(text, match.start(), length)
        if taken is None:
            continue
        value = taken[0].upper()
        if country in NUMERIC_BBAN and not value[4:].isdigit():
            continue
        if value in EXAMPLES or not checksum_ok(value):
            continue
        words = label(text, match.start())
        if names_any(words, FAKE_WORDS):
            continue
        confidence = 0.95 if names_any(words, _CONTEXT) else 0.85
        yield Hit(DETECTOR, mask(value), match.start(), taken[1] - match.start(), confidence,
                  country)
