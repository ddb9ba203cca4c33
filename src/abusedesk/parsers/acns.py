"""ACNS 2.0 copyright notices (the ``<Infringement>`` XML rights holders send).

The XML comes as an attachment (``application/xml``, ``*.xml``) or inline in the text body,
often inside a PGP clear-signed message, where lines beginning with ``-`` are dash-escaped
(``- ---Start ACNS XML``, RFC 4880 section 7.1); the escaping is undone before the XML is
looked for. Read: ``Source/IP_Address``, ``Port``, ``DNS_Name``, ``URL_Base``,
``TimeStamp``; ``Type``/``SubType`` decide peer-to-peer (copyright/p2p) or not; ``Case/ID``
is the report id and ``Complainant/Email`` the reporter.
"""

from __future__ import annotations

import re
from email.message import Message
from xml.etree.ElementTree import Element

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_any
from abusedesk.parsers.xmlsafe import child, local, parse_xml, text

FORMAT = "acns"
_BLOCK = re.compile(
    r"(?:<\?xml[^>]*>\s*)?<(?:\w+:)?Infringement\b.*?</(?:\w+:)?Infringement\s*>", re.S
)
_P2P = re.compile(r"bittorrent|torrent|gnutella|edonkey|emule|ares|kad|p2p|dc\+\+|soulseek", re.I)


def undash(text_value: str) -> str:
    """Undo PGP dash-escaping (``- -line`` -> ``-line``)."""
    return re.sub(r"(?m)^- ", "", text_value)


def find_xml(message: Message, ctx: Context) -> str | None:
    """The ACNS XML of a mail: an XML attachment first, else inline in a text part."""
    inline = None
    for part in mime.leaf_parts(message):
        kind = mime.content_type(part)
        name = (mime.filename(part) or "").lower()
        if not (kind.startswith("text/") or kind.endswith("xml") or name.endswith(".xml")):
            continue
        content = mime.text_of(part, ctx.limits)
        if "Infringement" not in content:
            continue
        match = _BLOCK.search(undash(content))
        if match is None:
            continue
        if re.search(r"<!DOCTYPE|<!ENTITY", content[: match.start() + 1], re.I):
            raise ParseError(
                "the ACNS notice declares a DTD or entities, which are refused "
                "(billion laughs, XXE)"
            )
        if kind.endswith("xml") or name.endswith(".xml"):
            return match.group(0)
        inline = inline or match.group(0)
    return inline


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read an ACNS notice from a mail, or return None when there is none."""
    xml = find_xml(message, ctx)
    if xml is None:
        return None
    return parse_xml_text(xml, ctx)


def parse_xml_text(xml: str | bytes, ctx: Context, root: Element | None = None) -> ParseResult:
    """Read an ACNS ``<Infringement>`` document."""
    if root is None:
        root = parse_xml(xml, ctx.limits, "the ACNS notice")
    if local(root.tag) != "Infringement":
        found = next((n for n in root.iter() if local(n.tag) == "Infringement"), None)
        if found is None:
            raise ParseError("the ACNS notice has no Infringement element")
        root = found
    source = child(root, "Source")
    sub_type = child(source, "SubType")
    kind = " ".join(
        filter(
            None,
            (
                text(source, "Type"),
                sub_type.get("BaseType") if sub_type is not None else None,
                sub_type.get("Protocol") if sub_type is not None else None,
            ),
        )
    )
    pair = (
        ("copyright", "p2p")
        if _P2P.search(kind)
        else taxonomy.lookup(text(source, "Type")) or ("copyright", "copyright")
    )
    if pair[0] != "copyright":
        pair = ("copyright", "copyright")
    url = text(source, "URL_Base")
    item = child(root, "Content", "Item")
    item_url = text(item, "URL")
    if not (url and re.match(r"(?i)^(https?|ftp)://", url)):
        url = item_url if item_url and re.match(r"(?i)^(https?|ftp)://", item_url) else None
    time_value = text(source, "TimeStamp") or text(item, "TimeStamp")
    time = parse_any(time_value)
    reporter = indicators.email_address(text(root, "Complainant", "Email")) or ctx.reporter
    case_id = text(root, "Case", "ID")
    event = ctx.event(
        *pair,
        ip=indicators.offender_ip(text(source, "IP_Address")),
        port=text(source, "Port"),
        url=url,
        domain=text(source, "DNS_Name"),
        time=time,
        time_field="ACNS Source/TimeStamp" if time else None,
        report_id=case_id,
        reporter=reporter,
        evidence="ACNS Infringement XML",
        details={
            "title": text(item, "Title"),
            "file_name": text(item, "FileName"),
            "protocol": text(source, "Type"),
            "rights_holder": text(root, "Complainant", "Entity"),
        },
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=reporter, report_id=case_id, subject=ctx.subject
    )
