"""Microsoft JMRP complaints: Outlook.com's junk-mail reports, which are not ARF.

A JMRP complaint is a plain ``multipart/mixed`` mail whose subject reads ``complaint about
message from <IP>`` with the reported message attached as ``message/rfc822``; the attached
message carries Hotmail's trace headers (``X-HmXmrOriginalRecipient``, ``X-SID-PRA``,
``X-OriginalArrivalTime``). ``X-Reporter-IP`` is the complaining user's own address and is
never an offender.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.parsers import indicators, mime
from abusedesk.parsers.received import first_hop
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_any

FORMAT = "jmrp"
_SUBJECT = re.compile(r"complaint about message from\s+\[?([0-9A-Fa-f:.]+)", re.I)


def _attached(message: Message, ctx: Context) -> Message | None:
    for part in mime.walk(message):
        if mime.content_type(part) == "message/rfc822":
            return mime.embedded_message(part, ctx.limits)
    return None


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read a JMRP complaint, or return None when ``message`` is none."""
    subject_match = _SUBJECT.search(ctx.subject or "")
    reported = _attached(message, ctx)
    marked = reported is not None and mime.header(reported, "X-HmXmrOriginalRecipient") is not None
    if subject_match is None and not marked:
        return None
    hop = first_hop(reported) if reported is not None else None
    ip = indicators.offender_ip(subject_match.group(1)) if subject_match else None
    ip_field = "Subject" if ip is not None else None
    if ip is None and hop is not None:
        ip, ip_field = hop.ip, "Received header of the reported message"
    time, time_field = None, None
    if reported is not None:
        arrival = mime.header(reported, "X-OriginalArrivalTime")
        time = parse_any(re.sub(r"\.\d+\s", " ", arrival or "", count=1)) if arrival else None
        time_field = "X-OriginalArrivalTime" if time is not None else None
    if time is None and hop is not None and hop.time is not None:
        time, time_field = hop.time, "Received header of the reported message"
    email = None
    if reported is not None:
        for name in ("X-SID-PRA", "Return-Path", "From"):
            email = indicators.email_address(mime.header(reported, name))
            if email:
                break
    event = ctx.event(
        "messaging",
        "spam",
        ip=ip,
        email=email,
        time=time,
        time_field=time_field,
        report_id=mime.header(message, "Message-ID"),
        evidence="attached message/rfc822",
        details={
            "ip_field": ip_field,
            "original_recipient": mime.header(reported, "X-HmXmrOriginalRecipient")
            if reported is not None
            else None,
        },
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=ctx.reporter, subject=ctx.subject
    )
