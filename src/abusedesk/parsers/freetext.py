"""Free text: complaints written for people, read for their indicators.

The last step of the detection order. The text (subject and body parts, HTML turned into
text; attached messages and evidence attachments are not read) is searched for:

1. tables (``|ip |domain |url |``) whose header names the columns: one event per row;
2. labelled records (``IP: …`` / ``URL: …`` / ``Time: …`` lines grouped by blank lines);
3. the remaining IP addresses and URLs, each with the kind of abuse named by the nearest
   heading above it (``IPs Engaged In Harvesting On Your Network:``) or by the whole
   complaint, and the first time written on its line or the lines under it.

Defanged URLs (``hxxp``, ``[.]``, `` [dot] ``) are refanged first. Never offenders here: the
reporter's and the recipient's own domains, reference sites (standards bodies, registries,
anti-abuse organisations), whois output, networks and ranges, and, unless the options say
otherwise, documentation addresses. URLs count as offenders only for kinds of abuse that live
at a URL (phishing, malware, fraud, copyright, compromised sites); for spam or attacks the
offender is the address. A complaint whose words name no kind of abuse is quarantined.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.message import Message

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.received import first_hop
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.textrecords import Record, labelled, tables
from abusedesk.parsers.timeparse import parse_any

FORMAT = "free-text"
FORMATS = frozenset({FORMAT, "phishing"})
URL_KINDS = frozenset({"content", "copyright", "infrastructure"})

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
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>|</li\s*>", "\n", markup)
    markup = re.sub(r"(?i)</t[dh]\s*>", " | ", markup)
    markup = re.sub(r"<[^>]{0,2000}>", " ", markup)
    return html.unescape(markup)


def parse_mail(message: Message, ctx: Context) -> ParseResult:
    """Read a complaint mail as free text; ParseError when no offender can be read."""
    text = body_text(message, ctx)
    result = parse_text(text, ctx)
    if result.events:
        return result
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
    records, used_lines = tables(lines) + labelled(lines), set()
    for record in records:
        used_lines.update(range(record.line, record.line + 1))
    events: list[Event] = []
    unclassified = 0
    for record in records:
        pair = (
            taxonomy.classify_text(" ".join(record.values.values()))
            if doc_pair is None
            else doc_pair
        )
        event = _record_event(record, pair, ctx, own)
        if event == "unclassified":
            unclassified += 1
        elif event is not None:
            events.append(event)  # type: ignore[arg-type]
    record_values = {v for r in records for v in r.values.values()}
    for event_or_flag in _loose(lines, doc_pair, ctx, own, record_values):
        if event_or_flag == "unclassified":
            unclassified += 1
        else:
            events.append(event_or_flag)  # type: ignore[arg-type]
    if not events and unclassified:
        raise ParseError("indicators found, but no kind of abuse is named; classify by hand")
    fmt = "phishing" if events and all(e.type == "phishing" for e in events) else FORMAT
    return ParseResult(fmt, tuple(events), reporter=ctx.reporter, subject=ctx.subject)


def _allowed_ip(value: str | None, ctx: Context) -> object:
    address = indicators.offender_ip(value)
    if address is None:
        return None
    if indicators.is_documentation(address) and not ctx.options.free_text_documentation_ranges:
        return None
    return address


def _allowed_url(url: str | None, own: set[str] | frozenset[str]) -> str | None:
    if not url or not re.match(r"(?i)^(https?|ftp)://", url):
        return None
    host = indicators.url_host(url)
    if host is None or "*" in url.split("/")[2]:
        return None  # munged ("http://*MUNGED*/")
    if indicators.registered_domain(host) in own:
        return None
    return url


def _record_event(
    record: Record, pair: tuple[str, str] | None, ctx: Context, own: set[str] | frozenset[str]
) -> Event | str | None:
    values = record.values
    ip_text = indicators.IPV4_RE.search(values.get("ip", "")) or indicators.IPV6_RE.search(
        values.get("ip", "")
    )
    ip = _allowed_ip(ip_text.group(0) if ip_text else None, ctx)
    url_match = indicators.URL_RE.search(indicators.refang(values.get("url", "")))
    url = _allowed_url(url_match.group(0) if url_match else None, own)
    if ip is None and url is None:
        return None
    if pair is None:
        return "unclassified"
    if pair[0] not in URL_KINDS:
        url = None
        if ip is None:
            return None
    time = parse_any(values.get("time"))
    domain = values.get("domain")
    if domain and indicators.registered_domain(domain) in own:
        domain = None
    return ctx.event(
        *pair,
        ip=ip,
        url=url,
        port=values.get("port"),
        domain=domain,
        time=time,  # type: ignore[arg-type]
        time_field="time written in the complaint" if time else None,
        evidence=f"text line {record.line + 1}",
    )


def _loose(
    lines: list[str],
    doc_pair: tuple[str, str] | None,
    ctx: Context,
    own: set[str] | frozenset[str],
    skip: set[str],
) -> Iterator[Event | str]:
    section: tuple[str, str] | None = None
    found = list(indicators.find_indicators("\n".join(lines)))
    by_line: dict[int, list[indicators.Found]] = {}
    for item in found:
        by_line.setdefault(item.line, []).append(item)
    indicator_lines = sorted(by_line)
    for number, line in enumerate(lines):
        if number not in by_line:
            heading = taxonomy.classify_text(line) if len(line) < 200 else None
            if heading is not None and not re.search(r"https?://", line):
                section = heading
            continue
        items = [
            i
            for i in by_line[number]
            if i.value not in skip and not any(i.value in s for s in skip)
        ]
        pair = taxonomy.classify_text(re.sub(r"https?://\S+", " ", line)) or section or doc_pair
        urls = [i.value for i in items if i.kind == "url"]
        ips = [i.value for i in items if i.kind == "ip"]
        time = _time_near(lines, number, indicator_lines)
        if pair is None:
            if any(_allowed_ip(v, ctx) for v in ips) or any(_allowed_url(u, own) for u in urls):
                yield "unclassified"
            continue
        line_ip = next((a for a in (_allowed_ip(v, ctx) for v in ips) if a is not None), None)
        emitted = False
        if pair[0] in URL_KINDS:
            for url in urls:
                allowed = _allowed_url(url, own)
                if allowed is None:
                    continue
                event = ctx.event(
                    *pair,
                    url=allowed,
                    ip=line_ip,
                    time=time,  # type: ignore[arg-type]
                    time_field="time written in the complaint" if time else None,
                    evidence=f"text line {number + 1}",
                )
                if event is not None:
                    emitted = True
                    yield event
        if emitted:
            continue
        for value in ips:
            address = _allowed_ip(value, ctx)
            if address is None:
                continue
            event = ctx.event(
                *pair,
                ip=address,
                time=time,  # type: ignore[arg-type]
                time_field="time written in the complaint" if time else None,
                evidence=f"text line {number + 1}",
            )
            if event is not None:
                yield event


def _time_near(lines: list[str], number: int, indicator_lines: list[int]) -> datetime | None:
    """A time on the indicator's line, or on the lines under it before the next indicator."""
    following = [n for n in indicator_lines if n > number]
    stop = min(following[0] if following else len(lines), number + 8)
    for index in range(number, stop):
        text = re.sub(r"https?://\S+", " ", lines[index])
        if index > number and not text.strip():
            if index > number + 1:
                break
            continue
        moment = parse_any(text)
        if moment is not None:
            return moment
    return None
