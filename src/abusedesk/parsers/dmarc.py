"""DMARC aggregate reports (RFC 7489 appendix C): recognised and routed away as not abuse.

Receivers mail them to the ``rua`` address of a domain's policy as an XML ``<feedback>``
document, zipped or gzipped, with a subject ``Report Domain: … Submitter: … Report-ID: …``.
They describe authentication results, not abuse, so abusedesk records them and opens no
case. Failure reports (RFC 6591, ``Feedback-Type: auth-failure``) are ARF and are routed
away by the ARF parser.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.parsers import mime
from abusedesk.parsers.limits import safe_gunzip, safe_unzip
from abusedesk.parsers.result import Context, ParseResult

FORMAT = "dmarc-aggregate"
REASON = "DMARC aggregate report (RFC 7489): authentication statistics, not a complaint"
_SUBJECT = re.compile(r"Report[ -]?Domain:.*Submitter:", re.I | re.S)
_ROOT = re.compile(rb"<feedback\b[^>]*>.*?<(?:report_metadata|policy_published)\b", re.S)


def is_aggregate_xml(data: bytes) -> bool:
    return bool(_ROOT.search(data[:65536]))


def _attachment_xml(part: Message, ctx: Context) -> bytes | None:
    name = (mime.filename(part) or "").lower()
    kind = mime.content_type(part)
    data = mime.payload_bytes(part, ctx.limits)
    if name.endswith(".zip") or kind in ("application/zip", "application/x-zip-compressed"):
        members = safe_unzip(data, limits=ctx.limits, suffixes=(".xml",))
        return members[0].data if members else None
    if (
        name.endswith(".gz")
        or kind in ("application/gzip", "application/x-gzip")
        or data[:2] == b"\x1f\x8b"
    ):
        return safe_gunzip(data, limits=ctx.limits)
    if name.endswith(".xml") or kind.endswith("xml"):
        return data
    return None


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """A not-abuse result for a DMARC aggregate report mail, else None."""
    subject_says = bool(_SUBJECT.search(ctx.subject or ""))
    for part in mime.leaf_parts(message):
        if mime.content_type(part).startswith(("text/plain", "text/html")):
            continue
        name = (mime.filename(part) or "").lower()
        kind = mime.content_type(part)
        if not (
            subject_says
            or name.endswith((".xml", ".xml.gz", ".zip", ".gz"))
            or "xml" in kind
            or "zip" in kind
        ):
            continue
        xml = _attachment_xml(part, ctx)
        if xml is not None and is_aggregate_xml(xml):
            return ParseResult.not_abuse_for(FORMAT, REASON, ctx)
    return None

