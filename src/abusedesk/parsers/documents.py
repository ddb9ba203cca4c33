"""Complaints that are not mail: a JSON, XML, CSV or archive file, recognised by its bytes.

Such documents reach abusedesk through the API, the CLI and feeds. JSON is XARF (any
version), a Microsoft CTIP feed, an Amazon SES notification (bare or in its SNS envelope), or
IntelMQ / n6 events (one object, an array or JSON Lines);
XML is IODEF, ACNS, a DMARC aggregate report or a Safe Browsing notification; CSV is a
Shadowserver report (handed to the Shadowserver parser), a Spamhaus CERT feed or named
columns; a YAML text opening with ``---`` is an X-ARF report saved from its mail; zip and
gzip archives are opened within the limits and their member read the same way. ``parse``
returns None for anything else, which is then read as mail or as free text.
"""

from __future__ import annotations

import re

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import (
    acns,
    csvfeeds,
    ctip,
    dmarc,
    intelmq,
    iodef,
    safebrowsing,
    ses,
    shadowserver_mail,
    xarf_json,
    xarf_mail,
)
from abusedesk.parsers.limits import safe_gunzip, safe_unzip
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.xmlsafe import local, parse_xml


def parse(raw: bytes, ctx: Context) -> ParseResult | None:
    """Read ``raw`` as a document, or return None when it is not one."""
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if raw[:4] == b"PK\x03\x04":
        return _archive(raw, ctx)
    if raw[:2] == b"\x1f\x8b":
        return parse(safe_gunzip(raw, limits=ctx.limits), ctx)
    if head[:1] in (b"{", b"["):
        return _json(raw, ctx)
    if head[:1] == b"<":
        return _xml(raw, ctx)
    if _looks_like_csv(raw):
        return _csv(raw, ctx)
    if head[:3] == b"---":
        return xarf_mail.parse_document(raw, ctx)
    return None


def _archive(raw: bytes, ctx: Context) -> ParseResult:
    members = safe_unzip(raw, limits=ctx.limits)
    for member in members:
        name = member.name.rsplit("/", 1)[-1]
        inner = Context(
            received_at=ctx.received_at, options=ctx.options, filename=name, warnings=ctx.warnings
        )
        result = parse(member.data, inner)
        if result is not None:
            return result
    raise ParseError("zip archive holds no report that abusedesk can read")


def _json(raw: bytes, ctx: Context) -> ParseResult:
    data = intelmq.load(raw, ctx, "the JSON document")
    if ctip.is_ctip(data):
        return ctip.parse(data, ctx)
    notification = ses.unwrap(data, ctx)
    if notification is not None:
        return ses.parse(notification, ctx)
    events = intelmq.records_of(data)
    if events is not None:
        return intelmq.parse(*events, ctx)
    result = xarf_json.parse_document(raw, ctx)
    if result is None:
        raise ParseError("JSON document is neither XARF nor a known feed")
    return result


def _xml(raw: bytes, ctx: Context) -> ParseResult:
    if dmarc.is_aggregate_xml(raw):
        parse_xml(raw, ctx.limits, "the DMARC report")  # hostile XML still quarantines
        return ParseResult.not_abuse_for(dmarc.FORMAT, dmarc.REASON, ctx)
    root = parse_xml(raw, ctx.limits, "the XML document")
    name = local(root.tag)
    if name == "IODEF-Document":
        return iodef.parse_document(raw, ctx, root)
    if name == "Infringement" or any(local(n.tag) == "Infringement" for n in root.iter()):
        return acns.parse_xml_text(raw, ctx, root)
    if name == "notification_message":
        return safebrowsing.parse_document(raw, ctx, root)
    raise ParseError(f"XML document with root element {name!r} is no report format abusedesk knows")


def _looks_like_csv(raw: bytes) -> bool:
    first = raw[:2048].split(b"\n", 1)[0]
    return (
        first.count(b",") >= 2
        and not re.match(rb"^[!-9;-~]{1,76}: ", first)
        or first.startswith(b"; ip,")
    )


def _csv(raw: bytes, ctx: Context) -> ParseResult | None:
    if shadowserver_mail.REPORT_NAME.match(ctx.filename or ""):
        return ParseResult(
            shadowserver_mail.FORMAT, tuple(shadowserver_mail.run_csv(raw, ctx.filename, ctx))
        )
    first = raw[:2048].split(b"\n", 1)[0].lower()
    if first.startswith((b'"timestamp"', b"timestamp,")):
        events = shadowserver_mail.try_csv(raw, ctx.filename, ctx)
        if events is not None:
            return ParseResult(shadowserver_mail.FORMAT, tuple(events))
    return csvfeeds.parse_document(raw, ctx)
