"""The parser registry: which format a complaint is in, tried from the most structured signal
to the least, and the one entry point the processing job, the CLI and the benchmark call.

Detection order for mail (docs/formats.md explains each step):

1. bounces and automatic replies (routed away as not abuse)
2. DMARC aggregate reports (routed away as not abuse)
3. ARF / MARF feedback reports, DMARC failure reports among them
4. Microsoft JMRP complaints (not ARF)
5. Amazon SES notifications mailed by SNS (complaints; bounces routed away)
6. XARF JSON attached to a mail
7. IntelMQ and n6 JSON events (attached, gzipped, or as the body)
8. X-ARF 0.1/0.2 (YAML ``report.txt``) and X-ARF-like YAML reports
9. ACNS copyright notices (XML attachment, or inline in a PGP clear-signed body)
10. IODEF documents attached
11. Shadowserver reports (zipped or plain CSV attachment)
12. other CSV reports (AbuseHUB, Spamhaus CERT)
13. SpamCop and Spamhaus notices
14. fail2ban reports
15. Google Safe Browsing notifications
16. forwarded reports, unwrapped and tried again from step 1
17. free text with indicator extraction (phishing notices and the rest)

Each step sees the parts of the mail itself; an attached message is entered only by step 16.

Documents that are not mail (a JSON, XML, CSV or zip file given on the command line or
posted to the API) are recognised by their first bytes and read by the same format modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from email.message import Message

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import Event, classify_event
from abusedesk.domain.policy import Policy
from abusedesk.parsers import (
    acns,
    arf,
    bounces,
    csvfeeds,
    dmarc,
    documents,
    fail2ban,
    forwarded,
    freetext,
    intelmq,
    iodef,
    jmrp,
    mime,
    notices,
    safebrowsing,
    ses,
    shadowserver_mail,
    xarf_json,
    xarf_mail,
)
from abusedesk.parsers.indicators import email_address
from abusedesk.parsers.limits import check_size
from abusedesk.parsers.result import Context, ParseOptions, ParseResult
from abusedesk.parsers.timeparse import parse_mail_date

MailParser = Callable[[Message, Context], "ParseResult | None"]

#: The detection order for mail; each returns None when the message is not its format.
MAIL_PARSERS: tuple[tuple[str, MailParser], ...] = (
    ("bounces", bounces.parse),
    ("dmarc", dmarc.parse_mail),
    ("arf", arf.parse),
    ("jmrp", jmrp.parse),
    ("amazon-ses", ses.parse_mail),
    ("xarf-json", xarf_json.parse_mail),
    ("intelmq", intelmq.parse_mail),
    ("x-arf", xarf_mail.parse),
    ("acns", acns.parse_mail),
    ("iodef", iodef.parse_mail),
    ("shadowserver", shadowserver_mail.parse),
    ("csv", csvfeeds.parse_mail),
    ("notices", notices.parse),
    ("fail2ban", fail2ban.parse),
    ("safebrowsing", safebrowsing.parse_mail),
)

MAX_FORWARD_DEPTH = 3


def parse_complaint(
    raw: bytes,
    *,
    received_at: datetime,
    policy: Policy | None = None,
    options: ParseOptions | None = None,
    filename: str | None = None,
) -> ParseResult:
    """Parse one complaint (the raw bytes as received) into normalised events.

    ``received_at`` is when abusedesk received it (the last-resort event time). With a
    ``policy``, every event gets the clause ids it maps to. ``filename`` is a hint for
    documents whose name carries meaning (Shadowserver CSV files name their report type).
    Raises ``ParseError`` with a quarantine reason when the complaint cannot be read or names
    no offender, ``InputLimitExceeded`` when it breaks a bound; nothing else escapes.
    """
    options = options or ParseOptions()
    ctx = Context(received_at=received_at, options=options, filename=filename)
    try:
        check_size("the complaint", len(raw), options.limits.max_message_bytes)
        result = _parse_any(raw, ctx)
    except (ParseError, InputLimitExceeded):
        raise
    except RecursionError:
        raise InputLimitExceeded("the complaint is nested too deeply to parse") from None
    except MemoryError:
        raise InputLimitExceeded("the complaint needs more memory than allowed to parse") from None
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        UnicodeError,
        LookupError,
        OverflowError,
    ) as exc:
        # A parser met input it did not expect; quarantine with what went wrong rather
        # than crash the job.
        raise ParseError(f"unreadable complaint ({type(exc).__name__}: {str(exc)[:200]})") from None
    return finish(result, ctx, policy)


def parse_xarf_document(
    data: bytes | str,
    *,
    received_at: datetime,
    policy: Policy | None = None,
    options: ParseOptions | None = None,
) -> ParseResult:
    """Parse a XARF JSON body posted to the API (v4 validated; v1-v3 mapped)."""
    options = options or ParseOptions()
    ctx = Context(received_at=received_at, options=options)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        result = xarf_json.parse_document(raw, ctx)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ParseError(f"unreadable XARF document ({type(exc).__name__})") from None
    if result is None:
        raise ParseError("not a XARF document: no xarf_version, Version or category field")
    return finish(result, ctx, policy)


def finish(result: ParseResult, ctx: Context, policy: Policy | None) -> ParseResult:
    """Fold duplicate events, check that an abuse report named an offender, classify."""
    events = fold_duplicates(result.events)
    if len(events) > ctx.limits.max_events:
        raise InputLimitExceeded(f"the complaint yields more than {ctx.limits.max_events} events")
    if not result.not_abuse and not events:
        raise ParseError(f"recognised as {result.format} but no offender could be read")
    if policy is not None:
        events = tuple(classify_event(event, policy) for event in events)
    warnings = tuple(dict.fromkeys((*result.warnings, *ctx.warnings)))
    return replace(result, events=events, warnings=warnings)


def fold_duplicates(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """One event per observation: the first of each identity, with a count of repeats."""
    seen: dict[tuple[object, ...], int] = {}
    kept: list[Event] = []
    for event in events:
        key = event.identity()
        if key in seen:
            index = seen[key]
            count = int(kept[index].details.get("occurrences", "1")) + 1
            kept[index] = replace(
                kept[index], details={**kept[index].details, "occurrences": str(count)}
            )
            continue
        seen[key] = len(kept)
        kept.append(event)
    return tuple(kept)


def _parse_any(raw: bytes, ctx: Context) -> ParseResult:
    document = documents.parse(raw, ctx)
    if document is not None:
        return document
    if mime.looks_like_mail(raw):
        message = mime.parse_mail(raw, ctx.limits)
        return parse_message(message, ctx, depth=0)
    return freetext.parse_document(raw, ctx)


def mail_context(message: Message, ctx: Context) -> Context:
    """A context filled from the headers of ``message``."""
    reporter = None
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        reporter = email_address(mime.header(message, name))
        if reporter:
            break
    date_header = mime.header(message, "Date")
    recipients = tuple(
        a
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for value in mime.headers(message, name)
        for a in mime.addresses(value)
    )
    return Context(
        received_at=ctx.received_at,
        options=ctx.options,
        reporter=reporter,
        mail_date=_sane_date(parse_mail_date(date_header), ctx.received_at),
        mail_date_header=date_header,
        subject=mime.header(message, "Subject"),
        recipients=recipients,
        filename=ctx.filename,
        warnings=ctx.warnings,
    )


def _sane_date(moment: datetime | None, received_at: datetime) -> datetime | None:
    """A Date header more than a day in the future of receipt is a lie; ignore it."""
    if moment is None:
        return None
    return None if (moment - received_at).total_seconds() > 86400 else moment


def parse_message(message: Message, outer: Context, *, depth: int) -> ParseResult:
    """Run the mail detection order on ``message``; unwrap forwards; end in free text."""
    ctx = mail_context(message, outer)
    for _name, parser in MAIL_PARSERS:
        result = parser(message, ctx)
        if result is not None:
            return result
    inner_text_result: ParseResult | None = None
    if depth < MAX_FORWARD_DEPTH:
        for inner in forwarded.forwarded_messages(message, ctx):
            result = _try_inner(inner, ctx, depth)
            if result is None:
                continue
            if result.format not in freetext.FORMATS:
                return result
            inner_text_result = inner_text_result or result
    try:
        text_result = freetext.parse_mail(message, ctx)
    except ParseError:
        if inner_text_result is not None:
            return inner_text_result
        raise
    if not text_result.events and inner_text_result is not None:
        return inner_text_result
    return text_result


def _try_inner(inner: Message, ctx: Context, depth: int) -> ParseResult | None:
    """Parse a forwarded message with its own headers; None when nothing is in it."""
    try:
        result = parse_message(inner, ctx, depth=depth + 1)
    except InputLimitExceeded:
        raise
    except ParseError:
        return None
    if not result.events and not result.not_abuse:
        return None
    return replace(result, warnings=(*result.warnings, "unwrapped from a forwarded message"))
