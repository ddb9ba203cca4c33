"""CSV reports other than Shadowserver's (AbuseHUB, Spamhaus CERT, named columns) as events.

The layouts (``csvlayouts``) say which column holds what; this module reads the rows. A CSV
whose header fits the generic layout takes its kind from a ``type``/``threat`` column (an RSIT
``classification.type`` through ``rsit.rsit_pair``), a malware-family column (an infected
host), the file name or the subject. A row without a URL column may keep its URL in a column
named after its kind (CERT-EU: type ``phishing``, URL under ``phishing``). Column names lose
notes in brackets (``dateadded (UTC)``). The delimiter is sniffed (``,``, ``;``, tab, ``|``:
European senders write ``;``). Times without a zone are UTC except where the layout says
otherwise (AbuseHUB writes Dutch local time, as its notices state).

National CERTs, abuse.ch and Team Cymru paste their CSV into the mail body under a preamble;
``text_blocks`` finds such blocks (a header row naming an address or URL column, perhaps
commented out with ``#`` and labelled ``Format:``, then rows of as many fields) so that free
text reads them by column, not by guessing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from email.message import Message
from zoneinfo import ZoneInfo

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, rsit, taxonomy
from abusedesk.parsers.csvlayouts import (
    C2_LIST,
    OFFENDER_COLUMNS,
    SPAMHAUS_CERT,
    SPAMHAUS_NAMES,
    Layout,
    choose_layout,
    column,
    names_c2,
)
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_epoch, parse_iso

_DELIMITERS = (",", ";", "\t", "|")
#: ``# Format: report|ip|asn|…``: a header row may open with a label of its own.
_FORMAT_LABEL = re.compile(r"^(?:format|fields|columns)\s*:\s*", re.I)


def decode_csv(data: bytes, ctx: Context, what: str) -> list[list[str]]:
    """Rows of a CSV file (comment lines starting ``;`` or ``#`` are kept as rows)."""
    text = mime.decode_bytes(data, "utf-8").lstrip("\ufeff")
    if "\x00" in text:
        raise ParseError(f"{what} contains NUL bytes; not a CSV file")
    try:
        rows = []
        for row in csv.reader(io.StringIO(text), delimiter=delimiter_of(text)):
            rows.append(row)
            if len(rows) > ctx.limits.max_events + 100:
                raise InputLimitExceeded(f"{what} has more than {ctx.limits.max_events} rows")
        return rows
    except csv.Error as exc:
        raise ParseError(f"{what} is not valid CSV ({exc})") from None


def delimiter_of(text: str) -> str:
    """The delimiter of a CSV text: the one its first line uses most (``,`` on a tie)."""
    first = text.lstrip().split("\n", 1)[0]
    return max(_DELIMITERS, key=lambda d: (first.count(d), d == ","))


def header_of(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The header (lower-cased column names) and the data rows; Spamhaus-style ``; a, b``."""
    for index, row in enumerate(rows):
        if not row or not "".join(row).strip():
            continue
        first = row[0].strip()
        if first.startswith((";", "#")):
            names = [column(c) for c in re.split(r",", ",".join(row).lstrip(";# "))]
            if len(names) > 2 and index == 0:
                return names, [
                    r for r in rows[index + 1 :] if r and not r[0].startswith((";", "#"))
                ]
            continue
        return [column(c) for c in row], rows[index + 1 :]
    return [], []


def read_rows(
    rows: list[list[str]], ctx: Context, *, what: str, hint: str | None, c2: bool = False
) -> tuple[str, list[Event]]:
    """Events of a CSV by its layout; ParseError when no layout fits. ``c2``: the report
    says it lists C&C servers, so a destination column alone names them (``C2_LIST``)."""
    columns, data = header_of(rows)
    layout = choose_layout(columns, c2=c2)
    if layout is None:
        raise ParseError(f"{what}: CSV columns not recognised ({', '.join(columns[:8])})")
    index = {name: i for i, name in reversed(list(enumerate(columns)))}
    zone: tzinfo = ZoneInfo(layout.zone) if layout.zone else UTC
    events = []
    for number, row in enumerate(data, 2):
        record = {name: row[i].strip() for name, i in index.items() if i < len(row)}
        event = _row_event(layout, record, ctx, zone, f"{what} row {number}", hint)
        if event is not None:
            events.append(event)
    return layout.name, events


def _get(record: dict[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        value = record.get(name)
        if value and value not in ("-", "?", "null", "None"):
            return value
    return None


def _row_event(
    layout: Layout,
    record: dict[str, str],
    ctx: Context,
    zone: tzinfo,
    evidence: str,
    hint: str | None,
) -> Event | None:
    kind = _get(record, layout.kind)
    pair: tuple[str, str] | None
    rsit_name = None
    if layout is C2_LIST:
        pair, rsit_name = rsit.rsit_pair("c2-server"), "c2-server"
    elif layout is SPAMHAUS_CERT:
        pair = SPAMHAUS_NAMES.get((kind or "").lower(), ("infrastructure", "botnet"))
    else:
        pair = (
            rsit.rsit_pair(record.get("classification.type"))
            or taxonomy.lookup(*(record.get(k) for k in layout.kind))
            or taxonomy.classify_text(" ".join(filter(None, (record.get(k) for k in layout.kind))))
            or (("infrastructure", "botnet") if _get(record, layout.infection) else None)
            or taxonomy.classify_text(re.sub(r"[-_.]+", " ", hint or ""))
            or taxonomy.classify_text(ctx.subject)
        )
    if pair is None:
        ctx.warnings.append(f"{evidence}: kind of abuse not recognised")
        return None
    time: datetime | None = None
    if layout.date_time:
        date, clock = record.get(layout.date_time[0]), record.get(layout.date_time[1])
        time = parse_iso(f"{date} {clock}", default_zone=zone) if date and clock else None
    for name in layout.time:
        if time is None and record.get(name):
            time = parse_epoch(record[name]) or parse_iso(record[name], default_zone=zone)
    url = _get(record, layout.url) or _kind_column_url(record, kind)
    if url and not re.match(r"(?i)^(https?|ftp)://", url):
        url = None
    return ctx.event(
        *pair,
        ip=indicators.offender_ip(_get(record, layout.ip)),
        port=_get(record, layout.port),
        url=url,
        domain=_get(record, layout.host) if layout is not SPAMHAUS_CERT else None,
        email=_get(record, layout.email),
        time=time,
        time_field=f"CSV {layout.name} time column" if time else None,
        evidence=evidence,
        rsit=rsit_name,
        details={"kind": kind},
    )


def _kind_column_url(record: dict[str, str], kind: str | None) -> str | None:
    """The URL in a column named after the row's kind (CERT-EU: type ``phishing``, the URL
    in column ``phishing``); None when there is no such column or it holds no URL."""
    value = record.get(column(kind)) if kind else None
    return value if value and re.match(r"(?i)^(https?|ftp)://", value) else None


def csv_attachments(message: Message, ctx: Context) -> list[tuple[str, bytes]]:
    found = []
    for part in mime.walk(message):
        if part.is_multipart():
            continue
        name = mime.filename(part) or ""
        if mime.content_type(part) in ("text/csv", "application/csv") or name.lower().endswith(
            ".csv"
        ):
            found.append((name or "attachment.csv", mime.payload_bytes(part, ctx.limits)))
    return found


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read the CSV attachments of a mail, or return None when it has none we can read."""
    attachments = csv_attachments(message, ctx)
    if not attachments:
        return None
    from abusedesk.parsers import shadowserver_mail

    events: list[Event] = []
    names: list[str] = []
    for name, data in attachments:
        rows = decode_csv(data, ctx, name)
        c2 = names_c2(ctx.subject, name, *_comments(rows))
        try:
            layout, found = read_rows(rows, ctx, what=name, hint=name, c2=c2)
        except ParseError:
            found = shadowserver_mail.try_csv(data, name, ctx) or []
            layout = "shadowserver" if found else ""
        if found:
            names.append(layout)
            events.extend(found)
    if not names:
        return None
    return ParseResult(names[0], tuple(events), reporter=ctx.reporter, subject=ctx.subject)


def parse_document(data: bytes, ctx: Context) -> ParseResult | None:
    """Read a CSV file given on its own; None when its columns fit no layout."""
    rows = decode_csv(data, ctx, ctx.filename or "the CSV file")
    c2 = names_c2(ctx.filename, *_comments(rows))
    try:
        layout, events = read_rows(
            rows, ctx, what=ctx.filename or "CSV", hint=ctx.filename, c2=c2
        )
    except ParseError:
        return None
    return ParseResult(layout, tuple(events), reporter=ctx.reporter)


def _comments(rows: list[list[str]]) -> list[str]:
    """The comment lines (``#``) of a CSV file: feeds describe themselves there."""
    return [",".join(r) for r in rows[:50] if r and r[0].lstrip().startswith("#")]


def text_blocks(lines: list[str]) -> list[tuple[int, int, list[list[str]]]]:
    """CSV blocks pasted in text: ``(first line, end line, rows)`` with the header row first.

    A block starts at a line of at least three delimited names (``#``/``;`` comment marks
    allowed) that include an address or URL column, and takes the following rows with as many
    fields; it needs one such row at least.
    """
    blocks = []
    number = 0
    while number < len(lines):
        header = _header_cells(lines[number])
        if header is None:
            number += 1
            continue
        cells, delimiter = header
        rows = [cells]
        end = number + 1
        while end < len(lines) and not lines[end].strip() and end - number <= 2:
            end += 1  # Team Cymru leaves a blank line under its header
        while end < len(lines) and lines[end].strip():
            row = next(csv.reader([lines[end]], delimiter=delimiter), [])
            if len(row) != len(cells):
                break
            rows.append(row)
            end += 1
        if len(rows) > 1:
            blocks.append((number, end, rows))
            number = end
        else:
            number += 1
    return blocks


def _header_cells(line: str) -> tuple[list[str], str] | None:
    text = _FORMAT_LABEL.sub("", line.strip().lstrip("#;").strip())
    if not text or indicators.IPV4_RE.search(text) or "://" in text:
        return None
    delimiter = delimiter_of(text)
    cells = [column(c) for c in next(csv.reader([text], delimiter=delimiter), [])]
    if len(cells) < 3 or not all(re.fullmatch(r"[a-z][\w .-]{0,40}", c) for c in cells):
        return None
    return (cells, delimiter) if OFFENDER_COLUMNS & set(cells) else None
