"""ARF / MARF feedback reports (RFC 5965, 6650, 6591, 6692) as mailbox providers send them.

What real feedback loops bend, and how it is read:

* Draft-era reports (``Version: 0.1``) write ``Received-Date`` instead of ``Arrival-Date``.
* Headers-only reports carry ``text/rfc822-headers`` (some write ``text/rfc822-header``)
  instead of the whole message; the offender is then read from its trace.
* An empty feedback part, or none at all inside ``multipart/report``: the report is still
  abuse feedback; the offender comes from the reported message.
* Fields run together on one line (``Feedback-Type: abuse User-Agent: x Version: 1``) are
  split at the known field names.
* ``Reported-Domain`` often names the complainant's mailbox domain (ReturnPath-run loops
  write the recipient's provider there); a reported domain that is the domain of a recipient
  is therefore not an offender.
* ``auth-failure`` (RFC 6591, DMARC failure reports) and ``not-spam`` are no complaint:
  they are recognised and routed away as not abuse.

The complainant is kept as the report names it, in ``details``: every ``Original-Rcpt-To``
(``original_rcpt_to``, comma-separated) and ``Removal-Recipient``. It is never inferred from
the mail around the report, not even from a user's own "report spam" forward.

The offender is ``Source-IP``; without it, the connecting address in the topmost
``Received`` header of the reported message. The time is ``Arrival-Date`` or
``Received-Date``; without them, the date of that ``Received`` header; then the mail's Date.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.domain.events import IPAddress
from abusedesk.parsers import indicators, mime
from abusedesk.parsers.limits import Limits
from abusedesk.parsers.received import first_hop
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_mail_date

FORMAT = "arf"

KNOWN_FIELDS = (
    "Feedback-Type",
    "User-Agent",
    "Version",
    "Original-Envelope-Id",
    "Original-Mail-From",
    "Arrival-Date",
    "Received-Date",
    "Reporting-MTA",
    "Source-IP",
    "Source-Port",
    "Incidents",
    "Original-Rcpt-To",
    "Authentication-Results",
    "Reported-Domain",
    "Reported-URI",
    "Removal-Recipient",
    "Identity-Alignment",
    "Delivery-Result",
    "Auth-Failure",
    "DKIM-Domain",
    "DKIM-Identity",
    "DKIM-Selector",
    "DKIM-Canonicalized-Header",
    "DKIM-Canonicalized-Body",
    "SPF-DNS",
    "Redacted-Address",
    "Abuse-Type",
)
_RUN_TOGETHER = re.compile(
    r"\s+(?=(?:" + "|".join(re.escape(f) for f in KNOWN_FIELDS) + r"):)", re.I
)
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,60}):[ \t]*(.*)$")

#: Feedback types (RFC 5965 section 7.3, RFC 6591, RFC 6650 drafts) -> pair, or None for
#: reports that are no complaint.
FEEDBACK_TYPES: dict[str, tuple[str, str] | None] = {
    "abuse": ("messaging", "spam"),
    "other": ("messaging", "spam"),
    "fraud": ("content", "fraud"),
    "virus": ("content", "malware"),
    "opt-out": ("messaging", "bulk_messaging"),
    "opt-out-list": ("messaging", "bulk_messaging"),
    "not-spam": None,
    "auth-failure": None,
    "dkim": None,
}
NOT_ABUSE_REASONS = {
    "not-spam": "ARF not-spam report: a recipient says the message was wanted",
    "auth-failure": "authentication failure report (RFC 6591, DMARC/SPF/DKIM); not a complaint",
    "dkim": "DKIM failure report; not a complaint",
}


def parse_fields(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of a feedback part, tolerant of what senders get wrong."""
    fields: list[tuple[str, str]] = []
    for raw_line in text.splitlines():
        if not raw_line.strip():
            continue
        if raw_line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {raw_line.strip()}".strip())
            continue
        for piece in _RUN_TOGETHER.split(raw_line.strip()):
            match = _FIELD.match(piece)
            if match:
                fields.append((match.group(1).lower(), match.group(2).strip()))
    return fields


def _first(fields: list[tuple[str, str]], name: str) -> str | None:
    for key, value in fields:
        if key == name and value:
            return value
    return None


def _all(fields: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in fields if key == name and value]


def find_feedback(message: Message, limits: Limits) -> tuple[Message | None, bool]:
    """The feedback part and whether the message is an ARF report at all."""
    is_report = (
        mime.content_type(message) == "multipart/report"
        and (mime.content_param(message, "report-type") or "").lower() == "feedback-report"
    )
    for part in mime.walk(message):
        if mime.content_type(part) == "message/feedback-report":
            return part, True
    return None, is_report


def _reported_message(message: Message, limits: Limits) -> Message | None:
    for part in mime.walk(message):
        kind = mime.content_type(part)
        if kind in ("message/rfc822", "message/rfc822-headers"):
            return mime.embedded_message(part, limits)
        if kind in ("text/rfc822-headers", "text/rfc822-header"):
            return mime.header_fields(mime.text_of(part, limits))
    return None


def _text_parts(message: Message, ctx: Context) -> list[str]:
    return [
        mime.text_of(part, ctx.limits)
        for part in mime.walk(message)
        if mime.content_type(part) == "text/plain"
    ]


def _human_text(message: Message, limits: Limits) -> str:
    for part in mime.walk(message):
        if mime.content_type(part) == "text/plain":
            return mime.text_of(part, limits)
    return ""


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read an ARF report, or return None when ``message`` is none."""
    feedback, is_report = find_feedback(message, ctx.limits)
    if feedback is None and not is_report:
        return None
    if feedback is not None:
        fields = parse_fields(mime.raw_fields(feedback, ctx.limits))
    else:  # a report whose sender put the fields in a text part, or left them out
        fields = next(
            (
                parse_fields(text)
                for text in _text_parts(message, ctx)
                if re.search(r"(?im)^feedback-type\s*:", text)
            ),
            [],
        )
    feedback_type = (_first(fields, "feedback-type") or "abuse").strip().lower()
    if not fields:
        ctx.warnings.append("the feedback part is empty or missing; read as abuse feedback")
    if feedback_type in FEEDBACK_TYPES and FEEDBACK_TYPES[feedback_type] is None:
        return ParseResult.not_abuse_for(FORMAT, NOT_ABUSE_REASONS[feedback_type], ctx)
    pair = FEEDBACK_TYPES.get(feedback_type)
    if pair is None:
        ctx.warnings.append(f"unknown Feedback-Type {feedback_type!r}; read as abuse")
        pair = ("messaging", "spam")
    reported = _reported_message(message, ctx.limits)
    hop = first_hop(reported) if reported is not None else None

    ip = indicators.offender_ip(_first(fields, "source-ip"))
    ip_field = "Source-IP" if ip is not None else None
    if ip is None and hop is not None and hop.ip is not None:
        ip, ip_field = hop.ip, "Received header of the reported message"
    if ip is None:
        ip = _ip_from_text(_human_text(message, ctx.limits))
        ip_field = "report text" if ip is not None else None

    time, time_field = None, None
    for name, label in (("arrival-date", "Arrival-Date"), ("received-date", "Received-Date")):
        time = parse_mail_date(_first(fields, name))
        if time is not None:
            time_field = label
            break
    if time is None and hop is not None and hop.time is not None:
        time, time_field = hop.time, "Received header of the reported message"

    recipients = {
        a.rsplit("@", 1)[-1]
        for name in ("original-rcpt-to", "removal-recipient")
        for value in _all(fields, name)
        for a in mime.addresses(value)
    }
    domain = None
    for candidate in _all(fields, "reported-domain"):
        host = indicators.hostname(candidate)
        if host and host not in recipients:
            domain = host
            break
    email = indicators.email_address(_first(fields, "original-mail-from"))
    if email is None and reported is not None:
        email = indicators.email_address(mime.header(reported, "Return-Path"))
    if email is None and hop is not None:
        email = hop.envelope_from
    url = _first(fields, "reported-uri")
    if url and not re.match(r"(?i)^(https?|ftp)://", url):
        url = None
    event = ctx.event(
        *pair,
        ip=ip,
        port=_first(fields, "source-port"),
        url=url,
        domain=domain,
        email=email,
        time=time,
        time_field=time_field,
        report_id=mime.header(message, "Message-ID"),
        evidence="message/feedback-report part" if feedback is not None else "multipart/report",
        details={
            "feedback_type": feedback_type,
            "user_agent": _first(fields, "user-agent"),
            "incidents": _first(fields, "incidents"),
            "ip_field": ip_field,
            "removal_recipient": _first(fields, "removal-recipient"),
            # the complainant (RFC 5965: the field may repeat); bulk-mail no-send lists read it
            "original_rcpt_to": ", ".join(_all(fields, "original-rcpt-to")),
            "reported_message_id": mime.header(reported, "Message-ID")
            if reported is not None
            else None,
        },
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=ctx.reporter, subject=ctx.subject
    )


def _ip_from_text(text: str) -> IPAddress | None:
    match = re.search(
        r"(?:from|received from)\s+(?:IP(?:\s+address)?\s+)?\[?("
        + indicators.IPV4_RE.pattern
        + r")",
        text,
        re.I,
    )
    return indicators.offender_ip(match.group(1)) if match else None
