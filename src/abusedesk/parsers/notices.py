"""SpamCop reports and Spamhaus notices: plain-text mails from two anti-spam organisations.

SpamCop (``…@reports.spamcop.net``, subject ``[SpamCop (1.2.3.4) id:…]``) writes the source
as ``Email from 1.2.3.4 / <date>`` and hosted spam sites as ``Spamvertised web site: <url>``;
the quoted spam that follows is evidence, not offenders. Spamhaus (``…@spamhaus.org``) sends
listing notices naming an SBL/XBL/DBL record and the listed addresses; they are blocklist
events. The AUP lets the provider rely on both as evidence.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_mail_date

_SPAMCOP_SUBJECT = re.compile(r"\[SpamCop \(([^)\s]+)\)\s*id:(\d+)\]", re.I)
_EMAIL_FROM = re.compile(r"^\s*Email from\s+([0-9A-Fa-f:.]+)\s*/\s*(.+?)\s*$", re.M)
_SPAMVERTISED = re.compile(r"^\s*Spamvertised web site:\s*(\S+)", re.M | re.I)
_LISTING = re.compile(r"\b((?:SBL|XBL|DBL|CSS)\d+)\b")


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
    head = body.split("Offending message:", 1)[0]  # what follows is the spam itself
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
        events.append(
            ctx.event(
                "messaging",
                "spam",
                url=url,
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
    events = []
    for found in indicators.find_indicators(text):  # URLs in notices link to Spamhaus records
        if found.kind == "ip":
            ip = indicators.offender_ip(found.value)
            if ip is not None and not (
                indicators.is_documentation(ip) and not ctx.options.free_text_documentation_ranges
            ):
                events.append(
                    ctx.event(
                        *pair,
                        ip=ip,
                        report_id=listing.group(1) if listing else None,
                        evidence="Spamhaus notice",
                    )
                )
    return ParseResult(
        "spamhaus",
        tuple(e for e in events if e),
        reporter=ctx.reporter,
        report_id=listing.group(1) if listing else None,
        subject=ctx.subject,
    )
