"""SpamCop reports and Spamhaus notices: plain-text mails from two anti-spam organisations.

SpamCop (``…@reports.spamcop.net``, subject ``[SpamCop (1.2.3.4) id:…]``) writes the source
as ``Email from 1.2.3.4 / <date>`` and hosted spam sites as ``Spamvertised web site: <url>``
followed by the address it resolved the site to (``<url> is 1.2.3.4; <date>``); the quoted
spam after ``Offending message:`` (older) or ``[ Offending message ]`` (current) is evidence,
not offenders. Spamhaus (``…@spamhaus.org``) sends listing notices naming an SBL/XBL/DBL
record and the listed addresses (a ``/32`` is one host); they are blocklist events, dated by
the time written next to the address (``Listed: …``); a notice that lists only a network
range (``10.0.0.0/24``) is quarantined with a reason saying so, for a person to assign. The
AUP lets the provider rely on both as evidence.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.textevents import allowed_ip, fold
from abusedesk.parsers.textrecords import time_near
from abusedesk.parsers.timeparse import parse_mail_date

_SPAMCOP_SUBJECT = re.compile(r"\[SpamCop \(([^)\s]+)\)\s*id:(\d+)\]", re.I)
_EMAIL_FROM = re.compile(r"^\s*Email from\s+([0-9A-Fa-f:.]+)\s*/\s*(.+?)\s*$", re.M)
_SPAMVERTISED = re.compile(r"^\s*Spamvertised web site:\s*(\S+)", re.M | re.I)
_RESOLVED = re.compile(r"^\s*(\S+)\s+is\s+([0-9A-Fa-f:.]+)\s*;\s*(.+?)\s*$", re.M)
_OFFENDING = re.compile(r"^\s*(?:\[\s*Offending message\s*\]|Offending message:)", re.M | re.I)
_LISTING = re.compile(r"\b((?:SBL|XBL|DBL|CSS)\d+)\b")
_NETWORK = re.compile(
    r"(?<![\w.:/])((?:\d{1,3}\.){3}\d{1,3}/\d{1,2}|[0-9a-f:]*:[0-9a-f:]+/\d{1,3})(?![\w/])", re.I
)


def _body(message: Message, ctx: Context) -> str:
    texts = [
        mime.text_of(part, ctx.limits)
        for part in mime.walk(message)
        if mime.content_type(part) == "text/plain" and not mime.filename(part)
    ]
    return "\n".join(texts)


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read a SpamCop or Spamhaus notice, or return None when ``message`` is neither."""
    sender = (ctx.reporter or "").lower()
    subject = ctx.subject or ""
    if sender.endswith("spamcop.net") or _SPAMCOP_SUBJECT.search(subject):
        return _spamcop(message, ctx)
    if sender.endswith("spamhaus.org"):
        return _spamhaus(message, ctx)
    return None


def _spamcop(message: Message, ctx: Context) -> ParseResult | None:
    body = _body(message, ctx)
    report = _SPAMCOP_SUBJECT.search(ctx.subject or "")
    report_id = report.group(2) if report else None
    marker = _OFFENDING.search(body)
    head = body[: marker.start()] if marker else body  # what follows is the spam itself
    events = []
    for match in _EMAIL_FROM.finditer(head):
        time = parse_mail_date(match.group(2))
        events.append(
            ctx.event(
                "messaging",
                "spam",
                ip=indicators.offender_ip(match.group(1)),
                time=time,
                time_field="SpamCop 'Email from'" if time else None,
                report_id=report_id,
                evidence="SpamCop report",
            )
        )
    for match in _SPAMVERTISED.finditer(head):
        url = indicators.refang(match.group(1))
        resolved = next((r for r in _RESOLVED.finditer(head) if r.group(1) == match.group(1)), None)
        time = parse_mail_date(resolved.group(3)) if resolved else None
        events.append(
            ctx.event(
                "messaging",
                "spam",
                url=url,
                ip=indicators.offender_ip(resolved.group(2)) if resolved else None,
                time=time,
                time_field="SpamCop resolution of the site" if time else None,
                report_id=report_id,
                evidence="SpamCop report (spamvertised web site)",
            )
        )
    if not any(events) and report is not None:
        source = report.group(1)
        events.append(
            ctx.event(
                "messaging",
                "spam",
                ip=indicators.offender_ip(source),
                url=source if source.startswith("http") else None,
                report_id=report_id,
                evidence="SpamCop report subject",
            )
        )
    return ParseResult(
        "spamcop",
        tuple(e for e in events if e),
        reporter=ctx.reporter,
        report_id=report_id,
        subject=ctx.subject,
    )


def _spamhaus(message: Message, ctx: Context) -> ParseResult | None:
    body = _body(message, ctx)
    text = f"{ctx.subject or ''}\n{body}"
    listing = _LISTING.search(text)
    pair = (
        ("reputation", "blocklist")
        if listing or taxonomy.classify_text(text) == ("reputation", "blocklist")
        else taxonomy.classify_text(text) or ("reputation", "blocklist")
    )
    lines = text.splitlines()
    found = [f for f in indicators.find_indicators(text) if f.kind == "ip" and f.role == "offender"]
    indicator_lines = sorted({f.line for f in found})
    events: list[Event | None] = []
    for item in found:  # URLs in notices link to Spamhaus records
        ip = allowed_ip(item.value, ctx)
        time = time_near(lines, item.line, indicator_lines)
        events.append(
            ctx.event(
                *pair,
                ip=ip,
                time=time,
                time_field="time written next to the listed address" if time else None,
                report_id=listing.group(1) if listing else None,
                evidence="Spamhaus notice",
            )
        )
    kept = fold([e for e in events if e is not None], [])
    if not kept:
        _no_address(text, listing.group(1) if listing else None)
    return ParseResult(
        "spamhaus",
        tuple(kept),
        reporter=ctx.reporter,
        report_id=listing.group(1) if listing else None,
        subject=ctx.subject,
    )


def _no_address(text: str, listing: str | None) -> None:
    """Quarantine a notice that lists only network ranges, saying so: an event is one address
    (resolution finds the customer of an address at a time), and a range may span customers."""
    networks = list(dict.fromkeys(m.group(1) for m in _NETWORK.finditer(text)))
    if networks:
        raise ParseError(
            f"the Spamhaus notice{' ' + listing if listing else ''} lists the network range "
            f"{', '.join(networks[:3])}, not an address; abusedesk resolves single addresses, "
            "so assign the listing to the customer(s) of that range by hand"
        )
