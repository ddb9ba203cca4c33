"""Check IBANs before a payout is queued."""

import re

IBAN_RE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def validate_iban(value: str) -> bool:
    return IBAN_RE.fullmatch(value.replace(" ", "")) is not None


# The example from the ISO 13616 standard and bank documentation.
assert validate_iban("DE89370400440532013000")
TEST_IBANS = ["GB82WEST12345698765432", "FR1420041010050500013M02606"]
ACCOUNT_FIXTURE = "NL20INGB0001234567"
SAMPLE_PAYEE = {"name": "Jane Example", "iban": "DE39370502991234567890"}
