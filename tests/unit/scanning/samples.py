"""Test content for the scanners, written for abusedesk (fictional people and accounts).

Card numbers here pass Luhn but are none of the processors' published test numbers,
which the detector refuses.
"""

from __future__ import annotations

from tests.support.archives import zipped

__all__ = ["CUSTOMER_DUMP", "EICAR", "iban_with_check", "zipped"]

#: The EICAR anti-virus test file, assembled here so this source file is not itself "infected".
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

#: A customer-database dump as found on a misconfigured web server.
CUSTOMER_DUMP = (
    b"id,name,email,card_number,expiry,phone\n"
    b"1,Jane Roe,jane.roe@example.com,4556 7375 8950 1235,04/29,+44 20 7946 0958\n"
    b"2,Omar Haddad,o.haddad@example.net,5312-6789-0123-4562,11/27,+1 202 555 0143\n"
    b"3,Lena Park,lena@example.org,349876543210986,01/28,\n"
    b"4,Ana Silva,,4556737589501236,02/28,\n"  # fails Luhn
)


def iban_with_check(country: str, bban: str) -> str:
    """A valid IBAN for ``bban`` (the check digits computed, as banks do)."""
    moved = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in moved))
    return f"{country}{98 - number % 97:02d}{bban}"

