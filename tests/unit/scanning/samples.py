"""Test content for the scanners, written for abusedesk (fictional people and accounts)."""

from __future__ import annotations

import io
import zipfile

#: The EICAR anti-virus test file, assembled here so this source file is not itself "infected".
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

#: A customer-database dump as found on a misconfigured web server.
CUSTOMER_DUMP = (
    b"id,name,email,card_number,expiry,phone\n"
    b"1,Jane Roe,jane.roe@example.com,4111 1111 1111 1111,04/29,+44 20 7946 0958\n"
    b"2,Omar Haddad,o.haddad@example.net,5500-0000-0000-0004,11/27,+1 202 555 0143\n"
    b"3,Lena Park,lena@example.org,378282246310005,01/28,\n"
    b"order,4111111111111112,total 1299.00\n"
)


def iban_with_check(country: str, bban: str) -> str:
    """A valid IBAN for ``bban`` (the check digits computed, as banks do)."""
    moved = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in moved))
    return f"{country}{98 - number % 97:02d}{bban}"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
