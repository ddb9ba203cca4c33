"""E-mail addresses, found with the parsers' own address pattern and masked to
``j***@example.com``.

Names that end like a file (``logo@2x.png``, ``icon@3x.webp``: the high-resolution images
of every web site) are not addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

from abusedesk.parsers.indicators import EMAIL_RE
from abusedesk.scanning.findings import Hit, mask_email

DETECTOR = "email"
#: Endings of asset file names, never a top-level domain an address is under here.
FILE_ENDINGS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "css",
                          "js", "map", "woff", "woff2"})


def find_emails(text: str) -> Iterator[Hit]:
    """E-mail addresses in ``text``; the domain stays readable, the local part does not."""
    for match in EMAIL_RE.finditer(text):
        if match.group(0).rpartition(".")[2].lower() in FILE_ENDINGS:
            continue
        yield Hit(DETECTOR, mask_email(match.group(0).lower()), match.start(),
                  len(match.group(0)), 0.9)
