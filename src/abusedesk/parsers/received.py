"""The ``Received`` trace of a reported message: who handed it over, and when.

The ``Received`` headers a complainant's mail system wrote when it accepted the message sit on
top of the trace: the first one whose ``from`` clause names a host outside the receiver's own
domain is the hand-over, its connecting address is the offender and its date the arrival time.
Big mailbox providers add hops between their own machines above it (``from mx-in3.mailbox.example
[10.40.0.13] by store7.mailbox.example``, Microsoft's ``from DM6PR…prod.outlook.com
(2603:10b6:…) by SN6PR…prod.outlook.com``); such internal hops, where the sending host's name
(``from`` name, ``helo=``/``EHLO`` name or reverse name) is in the registered domain of the
``by`` host, are skipped. Report formats fall back to this when they omit ``Source-IP`` or
``Arrival-Date`` (RFC 5965 makes both optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from abusedesk.domain.events import IPAddress
from abusedesk.parsers import indicators, mime
from abusedesk.parsers.limits import Limits
from abusedesk.parsers.timeparse import parse_mail_date

_BY = re.compile(r"\s(?:by|via)\s", re.I)
_BY_HOST = re.compile(r"\sby\s+([A-Za-z0-9.-]+)", re.I)
_FROM_NAMES = re.compile(
    r"^from\s+([A-Za-z0-9.-]+)|(?:helo|ehlo)[=\s]+([A-Za-z0-9.-]+)|\(([A-Za-z0-9.-]+)\s*\[", re.I
)
_ENVELOPE_FROM = re.compile(r"envelope-from\s*<?([^>\s;)]+)", re.I)
#: How many headers from the top are read: internal hops of big providers number up to six.
MAX_HOPS = 10


@dataclass(frozen=True, slots=True)
class Hop:
    ip: IPAddress | None
    host: str | None
    time: datetime | None
    internal: bool = False  # a hop between two machines of the receiver's own domain
    envelope_from: str | None = None  # Exim/Sendmail "(envelope-from <a@b>)"


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
    envelope = _ENVELOPE_FROM.search(head)
    return Hop(
        candidates[-1] if candidates else None,
        host,
        parse_mail_date(date_text.strip()),
        internal=_is_internal(from_clause, head),
        envelope_from=indicators.email_address(envelope.group(1)) if envelope else None,
    )


def _is_internal(from_clause: str, head: str) -> bool:
    """True when a name of the sending host is in the registered domain of the ``by`` host."""
    by_match = _BY_HOST.search(head)
    receiver = indicators.registered_domain(by_match.group(1)) if by_match else None
    if receiver is None or "." not in receiver:
        return False
    names = {
        indicators.registered_domain(name)
        for match in _FROM_NAMES.finditer(from_clause)
        for name in match.groups()
        if name
    }
    return receiver in names


def first_hop(message: Message) -> Hop | None:
    """The hand-over hop: the topmost ``Received`` with an address that is not internal.

    When every hop that names an address is internal (or the names tell nothing), the topmost
    one with an address is taken, as a receiver with a single server writes it.
    """
    hops = [parse_received(value) for value in mime.headers(message, "Received")[:MAX_HOPS]]
    with_address = [hop for hop in hops if hop.ip is not None]
    external = next((hop for hop in with_address if not hop.internal), None)
    return external or (with_address[0] if with_address else None)


_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}:\s")


@dataclass(frozen=True, slots=True)
class PastedTrace:
    """Mail headers a complainant pasted into the text, read as a trace."""

    hop: Hop
    sender: str | None  # Return-Path, the envelope sender
    lines: frozenset[int]  # the lines of the header block


def trace_in_text(lines: list[str], limits: Limits) -> PastedTrace | None:
    """The hand-over hop of a header block pasted into ``lines`` (``Received:`` and the rest).

    People who forward spam by copying its headers paste the whole block; its ``Received``
    lines also name the complainant's own relays, which must not be read as offenders.
    """
    start = next((n for n, line in enumerate(lines) if line.startswith("Received:")), None)
    if start is None:
        return None
    while start > 0 and _HEADER_LINE.match(lines[start - 1]):
        start -= 1
    stop = start
    while stop < len(lines) and (
        _HEADER_LINE.match(lines[stop]) or (lines[stop][:1] in (" ", "\t") and lines[stop].strip())
    ):
        stop += 1
    block = "\n".join(lines[start:stop])
    if len(block) > limits.max_header_bytes:
        return None
    headers = mime.header_fields(block + "\n")
    hop = first_hop(headers)
    if hop is None or hop.ip is None:
        return None
    sender = indicators.email_address(mime.header(headers, "Return-Path")) or hop.envelope_from
    return PastedTrace(hop, sender, frozenset(range(start, stop)))
