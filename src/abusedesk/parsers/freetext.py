"""Free text: complaints written for people, read for their indicators.

The last step of the detection order. The text (subject and body parts, HTML turned into
text with link targets kept; attached messages and evidence attachments are not read) is
searched for:

1. CSV blocks pasted in the body (national CERTs, abuse.ch): one event per row, by column;
2. a pasted header block (``Received:`` lines): the hand-over hop is the spam's source;
3. tables (``|ip |domain |url |``) whose header names the columns: one event per row;
4. labelled records (``IP: …`` / ``URL: …`` / ``Time: …`` lines grouped by blank lines),
   each of the kind its own ``Issue:``/``Category:`` line names, else the complaint's; one
   without a time of its own is dated by the earliest row of a table right under it;
5. the remaining IP addresses and URLs (``textevents.loose_events``), each with the kind of
   abuse named on its line, by the nearest heading above it or by the whole complaint, and
   the first time written on its line or the lines under it.

Lines read by one step are not read again by a later one. A copyright complaint about an
address that names a peer-to-peer protocol (BitTorrent, eDonkey) is ``copyright/p2p``.
Defanged URLs (``hxxp``, ``[.]``, `` [dot] ``) are refanged first. Never offenders here: the
reporter's and the recipient's own domains, reference sites (standards bodies, registries,
anti-abuse organisations), whois output, networks and ranges, victims (``textevents``), and,
unless the options say otherwise, documentation addresses. URLs count as offenders only for
kinds of abuse that live at a URL (phishing, malware, fraud, copyright, compromised sites);
for spam or attacks the offender is the address. Repeated mentions of one offender are
folded (``textevents.fold``). A complaint whose words name no kind of abuse is quarantined;
so is one whose words are only inside an Outlook TNEF attachment (``winmail.dat``), which is
not read.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import replace
from email.message import Message

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import Event, TimeSource
from abusedesk.parsers import csvfeeds, csvlayouts, indicators, mime, taxonomy, textevents
from abusedesk.parsers.received import PastedTrace, first_hop, trace_in_text
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.textrecords import (
    earliest_in_table_under,
    labelled,
    stated_times,
    tables,
)

FORMAT = "free-text"
FORMATS = frozenset({FORMAT, "phishing"})
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
TNEF_REASON = (
    "the complaint's text is in a TNEF attachment (winmail.dat, Outlook's rich-text format), "
    "which abusedesk does not read; open it by hand or ask the complainant for plain text"
)

#: Sites that complaints link to as reference, never as offenders.
REFERENCE_DOMAINS = frozenset(
    {
        "x-arf.org",
        "xarf.org",
        "ietf.org",
        "rfc-editor.org",
        "iana.org",
        "w3.org",
        "ripe.net",
        "arin.net",
        "apnic.net",
        "lacnic.net",
        "afrinic.net",
        "spamhaus.org",
        "spamcop.net",
        "abuse.net",
        "shadowserver.org",
        "abuseipdb.com",
        "blocklist.de",
        "projecthoneypot.org",
        "mit.edu",
        "stopbadware.org",
        "phishtank.com",
        "cert.org",
    }
)


def body_text(message: Message, ctx: Context) -> str:
    """The readable text of a mail: text/plain parts, else HTML as text; no attachments."""
    plain: list[str] = []
    rich: list[str] = []
    stack = [message]
    while stack:
        part = stack.pop()
        kind = mime.content_type(part)
        if kind.startswith("message/"):
            continue  # an attached message is evidence, not the complaint's words
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
            continue
        name = mime.filename(part)
        disposition = (mime.header(part, "Content-Disposition") or "").lower()
        if name and disposition.startswith("attachment") and not name.lower().endswith(".txt"):
            continue
        if kind == "text/plain":
            plain.append(mime.text_of(part, ctx.limits))
        elif kind == "text/html":
            rich.append(html_to_text(mime.text_of(part, ctx.limits)))
    text = "\n".join(plain) if plain else "\n".join(rich)
    return text[: ctx.limits.max_text_chars]


def html_to_text(markup: str) -> str:
    """The text of HTML, one line per block; a link's target is kept beside its words."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(
        r"(?is)<a\b[^>]{0,2000}?href\s*=\s*[\"']?((?:https?|ftp)://[^\"'\s>]+)[^>]{0,2000}>",
        r" \1 ",
        markup,
    )
    markup = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>|</li\s*>", "\n", markup)
    markup = re.sub(r"(?i)</t[dh]\s*>", " | ", markup)
    markup = re.sub(r"<[^>]{0,2000}>", " ", markup)
    return html.unescape(markup)


def parse_mail(message: Message, ctx: Context) -> ParseResult:
    """Read a complaint mail as free text; ParseError when no offender can be read."""
    text = body_text(message, ctx)
    tnef = any(
        mime.content_type(p) in TNEF_TYPES or (mime.filename(p) or "").lower() == "winmail.dat"
        for p in mime.walk(message)
    )
    try:
        result = parse_text(f"{ctx.subject or ''}\n{text}", ctx)
    except ParseError:
        if tnef:
            raise ParseError(TNEF_REASON) from None
        raise
    if result.events:
        if tnef:
            return replace(
                result, warnings=(*result.warnings, "a winmail.dat (TNEF) part was not read")
            )
        return result
    if tnef:
        raise ParseError(TNEF_REASON)
    attached = _attached_message(message, ctx)
    if attached is not None:
        event = _forwarded_spam(attached, text, ctx)
        if event is not None:
            return ParseResult(
                FORMAT,
                (event,),
                reporter=ctx.reporter,
                subject=ctx.subject,
                warnings=("offender read from the attached message's trace",),
            )
    return result


def parse_document(raw: bytes, ctx: Context) -> ParseResult:
    """Read a text file (not a mail) as free text; its file name may name the kind of abuse
    (blocklist.de publishes one list per service: ``imap.txt``, ``ssh.txt``)."""
    if ctx.filename and ctx.subject is None:
        stem = ctx.filename.rsplit("/", 1)[-1].split(".", 1)[0]
        pair = taxonomy.lookup(stem, *re.split(r"[^A-Za-z0-9]+", stem))
        if pair is not None:
            ctx.subject = " ".join(pair[1].split("_"))
    return parse_text(mime.decode_bytes(raw[: ctx.limits.max_text_chars], "utf-8"), ctx)


def _attached_message(message: Message, ctx: Context) -> Message | None:
    for part in mime.walk(message):
        if part is not message and mime.content_type(part) == "message/rfc822":
            return mime.embedded_message(part, ctx.limits)
    return None


def _forwarded_spam(attached: Message, text: str, ctx: Context) -> Event | None:
    """A user forwarding spam as an attachment: the spam's source is the offender."""
    pair = document_pair(text, ctx.subject) or ("messaging", "spam")
    if pair != ("messaging", "spam"):
        return None
    hop = first_hop(attached)
    if hop is None or hop.ip is None:
        return None
    return ctx.event(
        *pair,
        ip=hop.ip,
        time=hop.time,
        time_field="Received header of the attached message" if hop.time else None,
        email=indicators.email_address(mime.header(attached, "Return-Path")),
        evidence="attached message/rfc822",
    )


def document_pair(text: str, subject: str | None) -> tuple[str, str] | None:
    """The kind of abuse a complaint is about: its subject first, else its most named kind."""
    pair = taxonomy.classify_text(subject)
    if pair is not None:
        return pair
    counts: Counter[tuple[str, str]] = Counter()
    for line in text.splitlines():
        found = taxonomy.classify_text(line)
        if found is not None:
            counts[found] += 1
    return counts.most_common(1)[0][0] if counts else None


def parse_text(text: str, ctx: Context) -> ParseResult:
    """Events from free text; ParseError when there are indicators but no kind of abuse."""
    lines = text.splitlines()
    doc_pair = document_pair(text, ctx.subject)
    own = ctx.own_domains() | REFERENCE_DOMAINS
    events: list[Event] = []
    used: set[int] = set()
    unclassified = 0
    csv_layouts = []
    c2 = csvlayouts.names_c2(ctx.subject, text)
    for start, end, rows in csvfeeds.text_blocks(lines):
        try:
            layout, found = csvfeeds.read_rows(
                rows, ctx, what=f"CSV at text line {start + 1}", hint=None, c2=c2
            )
        except ParseError:
            continue
        if found:
            events.extend(found)
            csv_layouts.append(layout)
            used.update(range(start, end))
    trace = trace_in_text(lines, ctx.limits)
    if trace is not None:
        used |= trace.lines
        event = _pasted_trace_event(trace, doc_pair, ctx)
        if event is not None:
            events.append(event)
    records = [r for r in tables(lines) + labelled(lines) if not (r.lines & used)]
    issue_ips = set()  # addresses whose records name their own kind (``Issue: …``)
    for record in records:
        used |= record.lines
        own_kind = taxonomy.classify_text(record.values.get("kind"))
        pair = (
            own_kind or doc_pair or taxonomy.classify_text(" ".join(record.values.values()))
        )
        found_event = textevents.record_event(record, pair, ctx, own)
        if isinstance(found_event, Event) and found_event.time_source is not TimeSource.REPORT:
            first = earliest_in_table_under(lines, max(record.lines), used)
            if first is not None:
                found_event = replace(
                    found_event,
                    event_time=first,
                    time_source=TimeSource.REPORT,
                    time_field="earliest time in the table under the record",
                )
        if isinstance(found_event, Event):
            events.append(found_event)
            if own_kind is not None and found_event.ip is not None:
                issue_ips.add(found_event.ip)
        elif found_event == textevents.UNCLASSIFIED:
            unclassified += 1
    for item in textevents.loose_events(lines, doc_pair, ctx, own, used):
        if isinstance(item, Event):
            if item.ip in issue_ips and not item.url and (item.category, item.type) == doc_pair:
                continue  # a mention in passing yields to the issues its records name
            events.append(item)
        else:  # the only other value is UNCLASSIFIED
            unclassified += 1
    if not events and unclassified:
        raise ParseError("indicators found, but no kind of abuse is named; classify by hand")
    events = _peer_to_peer(textevents.fold(events, stated_times(lines)), text)
    return ParseResult(
        _format(events, csv_layouts), tuple(events), reporter=ctx.reporter, subject=ctx.subject
    )


def _peer_to_peer(events: list[Event], text: str) -> list[Event]:
    """Copyright events about an address (no URL) are peer-to-peer sharing when the complaint
    names a P2P protocol (``Protocol: BitTorrent``): XARF v4 has ``copyright/p2p`` for them."""
    if not any(e.xarf_pair == "copyright/copyright" and not e.url for e in events):
        return events
    if taxonomy.refine_copyright(("copyright", "copyright"), text) != ("copyright", "p2p"):
        return events
    return [
        replace(e, type="p2p") if e.xarf_pair == "copyright/copyright" and not e.url else e
        for e in events
    ]


def _format(events: list[Event], csv_layouts: list[str]) -> str:
    """``phishing`` when every event is; a CSV layout's name when only CSV blocks were read."""
    if events and all(e.type == "phishing" for e in events):
        return "phishing"
    if csv_layouts and all((e.evidence or "").startswith("CSV at text line") for e in events):
        return csv_layouts[0]
    return FORMAT


def _pasted_trace_event(
    trace: PastedTrace, doc_pair: tuple[str, str] | None, ctx: Context
) -> Event | None:
    """The spam's source read from headers pasted into the complaint."""
    pair = (
        doc_pair if doc_pair is not None and doc_pair[0] == "messaging" else ("messaging", "spam")
    )
    ip = textevents.allowed_ip(str(trace.hop.ip), ctx)
    if ip is None:
        return None
    return ctx.event(
        *pair,
        ip=ip,
        email=trace.sender,
        time=trace.hop.time,
        time_field="Received header pasted in the complaint" if trace.hop.time else None,
        evidence=f"pasted headers, text line {min(trace.lines) + 1}",
    )
