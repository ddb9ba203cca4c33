"""X-ARF 0.1 and 0.2 mail (YAML ``report.txt``), and the X-ARF-like YAML that others send.

X-ARF puts a flat YAML report in one part of the mail, usually an attachment named
``report.txt``. Senders bend it: the report comes base64-encoded, inline in the body, as the
first part instead of the second, with lower-case keys (``ip:``, ``uri:``), under other
names (``arf_report1.txt``), several to a mail (one event each), with Python type tags.
Any text part whose flat mapping has a source and a report kind is taken, wherever it is.

Read: ``Source`` (or ``ip``/``uri``) by ``Source-Type``; ``Port``; ``Domain``; ``Date`` (or
``first_seen``); ``Report-Type`` and ``Category`` mapped through ``taxonomy``; ``Report-ID``;
``Reported-From`` as the reporter.
"""

from __future__ import annotations

import re
from email.message import Message

from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_any
from abusedesk.parsers.yamlish import parse_flat

FORMAT = "x-arf"
_SOURCE_KEYS = ("source", "ip", "uri", "url", "source-ip", "src_ip", "domain")
_KIND_KEYS = ("report-type", "category", "schema-url", "signature")
_TIME_KEYS = (
    "date",
    "first_seen",
    "first-seen",
    "timestamp",
    "event-date",
    "last_seen",
    "last-seen",
)


def _is_marked(message: Message) -> bool:
    return any(mime.header(message, name) for name in ("X-ARF", "X-XARF", "Open-ARF"))


def _candidate_texts(message: Message, ctx: Context) -> list[tuple[str, str | None]]:
    found = []
    for part in mime.leaf_parts(message):
        kind = mime.content_type(part)
        name = mime.filename(part)
        if not (
            kind.startswith("text/")
            or kind == "application/octet-stream"
            or (name or "").lower().endswith((".txt", ".yaml", ".yml"))
        ):
            continue
        if kind == "application/octet-stream" and not (name or "").lower().endswith(
            (".txt", ".yaml", ".yml")
        ):
            continue
        found.append((mime.text_of(part, ctx.limits), name))
    return found


def _looks_like_report(mapping: dict[str, str], text: str, name: str | None, marked: bool) -> bool:
    if not any(mapping.get(key) for key in _SOURCE_KEYS):
        return False
    if mapping.get("report-type") or (mapping.get("category") and mapping.get("source")):
        return True
    named = bool(name) and bool(re.search(r"report", name or "", re.I))
    return marked and (named or text.lstrip().startswith("---")) and len(mapping) >= 3


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read the X-ARF reports of a mail, or return None when it has none."""
    marked = _is_marked(message)
    reports = []
    for text, name in _candidate_texts(message, ctx):
        head = text[:4096]
        if not re.search(r"(?im)^\s*(source|ip|uri|url)\s*:", head):
            continue
        mapping = parse_flat(text, max_bytes=ctx.limits.max_yaml_bytes)
        if _looks_like_report(mapping, text, name, marked):
            reports.append((mapping, name))
    if not reports:
        return None
    events: list[Event] = []
    for index, (mapping, name) in enumerate(reports, 1):
        event = _event(mapping, name, ctx, index if len(reports) > 1 else None)
        if event is not None:
            events.append(event)
    reporter = reports[0][0].get("reported-from") or ctx.reporter
    return ParseResult(
        FORMAT,
        tuple(events),
        reporter=indicators.email_address(reporter) or ctx.reporter,
        report_id=reports[0][0].get("report-id"),
        subject=ctx.subject,
    )


def parse_document(raw: bytes, ctx: Context) -> ParseResult | None:
    """Read an X-ARF report given on its own (the ``report.txt`` saved from a mail)."""
    text = mime.decode_bytes(raw, "utf-8").lstrip("\ufeff")
    if not re.match(r"---[ \t]*\r?\n", text) or not re.search(
        r"(?im)^\s*(source|ip|uri|url)\s*:", text[:4096]
    ):
        return None
    mapping = parse_flat(text, max_bytes=ctx.limits.max_yaml_bytes)
    if not _looks_like_report(mapping, text, ctx.filename, marked=False):
        return None
    event = _event(mapping, ctx.filename, ctx, None)
    return ParseResult(
        FORMAT,
        (event,) if event else (),
        reporter=indicators.email_address(mapping.get("reported-from")),
        report_id=mapping.get("report-id"),
    )


def _pair(mapping: dict[str, str], name: str | None, ctx: Context) -> tuple[str, str] | None:
    pair = taxonomy.lookup(mapping.get("report-type"), mapping.get("type"))
    if pair is None and mapping.get("category", "").lower() not in ("", "abuse", "info", "private"):
        pair = taxonomy.lookup(mapping.get("category"))
    if pair is None and name:
        pair = taxonomy.lookup(*re.split(r"[^A-Za-z0-9]+", name))
    if pair is None:
        pair = taxonomy.classify_text(mapping.get("signature")) or taxonomy.classify_text(
            ctx.subject
        )
    if pair is None:
        pair = taxonomy.lookup(mapping.get("service"))
    return pair


def _event(
    mapping: dict[str, str], name: str | None, ctx: Context, index: int | None
) -> Event | None:
    pair = _pair(mapping, name, ctx)
    if pair is None:
        ctx.warnings.append("an X-ARF report names no kind of abuse that abusedesk knows")
        return None
    source = mapping.get("source") or ""
    source_type = (mapping.get("source-type") or "").lower()
    ip = (
        indicators.offender_ip(source)
        or indicators.offender_ip(mapping.get("ip"))
        or indicators.offender_ip(mapping.get("source-ip"))
    )
    url = None
    if source_type in ("uri", "url") or re.match(r"(?i)^(https?|ftp)://", source):
        url = source
    url = url or mapping.get("uri") or mapping.get("url")
    port = mapping.get("port") or mapping.get("source-port")
    if url is None and mapping.get("download-link"):
        url = mapping["download-link"]
        port = port or mapping.get("download-port")
    if url and not re.match(r"(?i)^(https?|ftp)://", url):
        url = None
    email = source if source_type in ("email", "e-mail", "mailaddress") else None
    domain = mapping.get("domain") or (
        source if source_type in ("domain", "fqdn", "hostname") else None
    )
    time, time_field = None, None
    for key in _TIME_KEYS:
        time = parse_any(mapping.get(key))
        if time is not None:
            time_field = key
            break
    category, type_ = taxonomy.refine_copyright(
        pair, mapping.get("service"), mapping.get("report-type")
    )
    return ctx.event(
        category,
        type_,
        ip=ip,
        port=port,
        url=url,
        domain=domain,
        email=email,
        time=time,
        time_field=f"X-ARF {time_field}" if time_field else None,
        report_id=mapping.get("report-id"),
        reporter=indicators.email_address(mapping.get("reported-from")),
        evidence=f"{name or 'X-ARF report'}" + (f" (report {index})" if index else ""),
        details={
            "report_type": mapping.get("report-type"),
            "service": mapping.get("service"),
            "schema_url": mapping.get("schema-url"),
            "signature": mapping.get("signature"),
            "x_arf_category": mapping.get("category"),
        },
    )
