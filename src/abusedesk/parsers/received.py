"""The ``Received`` trace of a reported message: who handed it over, and when.

The topmost ``Received`` header of a reported message was written by the complainant's own
mail server when it accepted the message: its ``from`` clause names the connecting address
(the offender) and its date is the arrival time. Report formats fall back to it when they
omit ``Source-IP`` or ``Arrival-Date`` (RFC 5965 makes both optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from abusedesk.domain.events import IPAddress
from abusedesk.parsers import indicators, mime
from abusedesk.parsers.timeparse import parse_mail_date

_BY = re.compile(r"\s(?:by|via)\s", re.I)


@dataclass(frozen=True, slots=True)
class Hop:
    ip: IPAddress | None
    host: str | None
    time: datetime | None


def parse_received(value: str) -> Hop:
    """Read one ``Received`` header value."""
    text = " ".join(value.split())
    head, _, date_text = text.rpartition(";")
    if not head:
        head, date_text = text, ""
    from_clause = head
    from_clause = _BY.split(from_clause, 1)[0] if from_clause.lower().startswith("from ") else ""
    candidates: list[IPAddress] = []
    for match in re.finditer(
        r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]|\(([0-9A-Fa-f:.]+)\)|" + indicators.IPV4_RE.pattern,
        from_clause,
    ):
        address = indicators.parse_ip(match.group(1) or match.group(2) or match.group(0))
        if address is not None and not indicators.never_offender(address):
            candidates.append(address)
    host_match = re.match(r"from\s+([A-Za-z0-9.-]+)", from_clause, re.I)
    host = indicators.hostname(host_match.group(1)) if host_match else None
    return Hop(candidates[-1] if candidates else None, host, parse_mail_date(date_text.strip()))


def first_hop(message: Message) -> Hop | None:
    """The topmost ``Received`` header that names a connecting address."""
    for value in mime.headers(message, "Received")[:3]:
        hop = parse_received(value)
        if hop.ip is not None:
            return hop
    return None
