"""E-mail addresses, found with the parsers' own address pattern and masked to
``j***@example.com``."""

from __future__ import annotations

from collections.abc import Iterator

from abusedesk.parsers.indicators import EMAIL_RE
from abusedesk.scanning.findings import Hit, mask_email

DETECTOR = "email"


def find_emails(text: str) -> Iterator[Hit]:
    """E-mail addresses in ``text``; the domain stays readable, the local part does not."""
    for match in EMAIL_RE.finditer(text):
        yield Hit(DETECTOR, mask_email(match.group(0).lower()), match.start(),
                  len(match.group(0)), 0.9)
