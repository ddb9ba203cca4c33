"""Google Safe Browsing notifications for network administrators.

The notice is XML in the body: ``<notification_message date="2015-01-01">`` holding
``<list type="N">`` elements of ``<url_info url="…" ip="…"/>``. List type 0 is Google's
malware list and type 1 its phishing list (an assumption from Safe Browsing's two public
lists, recorded in docs/formats.md); other types are read from the words of the notice.
The notice date is the event time.
"""

from __future__ import annotations

import re
from email.message import Message
from xml.etree.ElementTree import Element

from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_iso
from abusedesk.parsers.xmlsafe import children, parse_xml

FORMAT = "safebrowsing"
LIST_TYPES = {"0": ("content", "malware"), "1": ("content", "phishing")}
_BLOCK = re.compile(r"<notification_message\b.*?</notification_message\s*>", re.S)


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read a Safe Browsing notification, or return None when ``message`` is none."""
    for part in mime.leaf_parts(message):
        content = mime.text_of(part, ctx.limits)
        if "notification_message" not in content:
            continue
        match = _BLOCK.search(content)
        if match:
            return parse_document(match.group(0), ctx)
    return None


def parse_document(xml: str | bytes, ctx: Context, root: Element | None = None) -> ParseResult:
    if root is None:
        root = parse_xml(xml, ctx.limits, "the Safe Browsing notification")
    time = parse_iso(root.get("date"))
    events = []
    for listing in children(root, "list"):
        pair = (
            LIST_TYPES.get(str(listing.get("type")))
            or taxonomy.classify_text(ctx.subject)
            or ("content", "malware")
        )
        for info in children(listing, "url_info"):
            url = info.get("url")
            events.append(
                ctx.event(
                    *pair,
                    ip=indicators.offender_ip(info.get("ip")),
                    url=url,
                    port=indicators.url_port(url) if url else None,
                    time=time,
                    time_field="notification date" if time else None,
                    evidence=f"Safe Browsing list type {listing.get('type')}",
                    details={"asn": root.get("asn")},
                )
            )
    return ParseResult(
        FORMAT, tuple(e for e in events if e), reporter=ctx.reporter, subject=ctx.subject
    )
