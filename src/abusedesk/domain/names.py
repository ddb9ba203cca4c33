"""Domain names: one spelling of a name, and its registrable part by the public suffix list.

The list is the one bundled with the ``publicsuffixlist`` package: read once per process,
never fetched (the machines abusedesk runs on may have no way out, and a list that changes
under a running desk would change who a complaint is about).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from abusedesk.domain.errors import InvalidInput

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


MAX_NAME_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def normalise_name(text: str) -> str:
    """A DNS name in lower-case ASCII without the trailing dot; IDNs become punycode."""
    raw = text.strip().rstrip(".").lower()
    if not raw:
        raise InvalidInput("an empty name is not a host or domain name")
    if not raw.isascii():
        try:
            raw = raw.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidInput(f"{text.strip()!r} is not a valid internationalised name") from None
    labels = raw.split(".")
    if len(raw) > MAX_NAME_LENGTH or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(f"{text.strip()!r} is not a host or domain name")
    if labels[-1].isdigit():
        raise InvalidInput(f"{text.strip()!r} is not a host or domain name (numeric last label)")
    return raw



@lru_cache(maxsize=1)
def public_suffixes() -> PublicSuffixList:
    """The bundled public suffix list, parsed on first use and shared."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(name: str) -> str | None:
    """``www.example.co.uk`` -> ``example.co.uk``; None when ``name`` is a public suffix."""
    result = public_suffixes().privatesuffix(name)
    return str(result) if result else None
