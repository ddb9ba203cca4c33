"""CSV reports other than Shadowserver's: AbuseHUB, Spamhaus CERT, and named columns.

Each layout is a mapping table, not code (the IntelMQ way): which column holds the offender,
the port, the time and the kind. A CSV whose header names none of the layouts is read by
column aliases (``ip``/``src_ip``/``source_ip``, ``port``/``src_port``, ``timestamp``,
``source time`` ..., and IntelMQ's ``source.ip``/``time.source``) when it has an address
column; its kind then comes from a ``type``/``threat`` column (an RSIT
``classification.type`` through ``taxonomy.rsit_pair``), a malware-family column (an infected
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
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.message import Message
from zoneinfo import ZoneInfo

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_epoch, parse_iso

#: Spamhaus CERT ``botname`` values that are not bots, and their kinds.
SPAMHAUS_NAMES: dict[str, tuple[str, str]] = {
    "openrelay": ("vulnerability", "open_service"),
    "proxyget": ("vulnerability", "open_service"),
    "sshauth": ("connection", "login_attack"),
    "telnetauth": ("connection", "login_attack"),
    "smtpauth": ("connection", "login_attack"),
    "imap": ("connection", "login_attack"),
    "iotrdp": ("connection", "login_attack"),
    "w_wplogin": ("connection", "login_attack"),
    "wpscanner": ("connection", "vulnerability_scan"),
    "iotscan": ("connection", "port_scan"),
    "l_spamlink": ("messaging", "spam"),
    "authspoofbadehlo": ("messaging", "spam"),
    "extortion": ("messaging", "spam"),
    "misc": ("reputation", "threat_intelligence"),
}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a CSV dialect keeps each field; ``None`` for absent ones."""

    name: str
    ip: tuple[str, ...]
    port: tuple[str, ...] = ()
    url: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    time: tuple[str, ...] = ()
    date_time: tuple[str, str] | None = None  # separate date and time columns
    kind: tuple[str, ...] = ()
    zone: str | None = None  # IANA zone of zone-less times; UTC when None
    #: Columns naming a malware family: a value there that no vocabulary knows still says
    #: the host is infected (CERT-Bund ``malware``: ``gozi``).
    infection: tuple[str, ...] = ()


ABUSEHUB = Layout(
    "abusehub",
    ip=("src_ip",),
    port=("src_port",),
    url=("src_url",),
    host=("src_hostname",),
    email=("src_email",),
    date_time=("event_date", "event_time"),
    kind=("report_type", "infection_type"),
    zone="Europe/Amsterdam",
)
SPAMHAUS_CERT = Layout(
    "spamhaus-cert", ip=("ip",), port=("local_port",), time=("lastseen",), kind=("botname",)
)
GENERIC = Layout(
    "csv",
    ip=(
        "ip",
        "src_ip",
        "source_ip",
        "ip_address",
        "ipaddress",
        "source",
        "src",
        "saddr",
        "address",
        "offender",
        "source.ip",
    ),
    port=("port", "src_port", "source_port", "srcport", "source.port"),
    url=("url", "uri", "src_url", "source.url"),
    host=("hostname", "domain", "fqdn", "host", "domain_name", "source.fqdn"),
    email=("email", "src_email", "sender"),
    time=(
        "timestamp",
        "time",
        "date",
        "datetime",
        "event_time",
        "first_seen",
        "firstseen",
        # when the source saw the event (CERT-EU, IntelMQ), not when it was fetched; after
        # first_seen, which is no later
        "source_time",
        "time_source",
        "time.source",
        "last_seen",
        "lastseen",
        "seen",
        "dateadded",
        "date_added",
        "utc",
    ),
    kind=(
        "classification.type",
        "category",
        "classification",
        "type",
        "report_type",
        "report",
        "infection",
        "threat",
        "tag",
    ),
    infection=("malware", "malware_family", "infection", "botnet", "family", "malware.name"),
)
#: A list of botnet C&C servers (abuse.ch Feodo Tracker) names them in a destination column
#: (``DstIP``): the address infected hosts connect to. Only such a list makes that column the
#: offender; anywhere else the destination is the sinkhole, the sensor or the victim.
C2_LIST = Layout(
    "csv",
    ip=("dstip", "dst_ip", "destination_ip", "dest_ip", "c2_ip", "cnc_ip"),
    port=("dstport", "dst_port", "destination_port", "dest_port", "c2_port"),
    url=(),
    time=GENERIC.time,
    kind=GENERIC.kind,
    infection=GENERIC.infection,
)
#: Words that say a report lists command-and-control servers.
C2_WORDS = re.compile(
    r"(?<![\w-])(?:c2|c&c|cnc|command[- ]?(?:and|&)[- ]?control|botnet[- ]controllers?)"
    r"(?![\w-])",
    re.I,
)
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


def column(name: str) -> str:
    """A column name as the layouts spell it: lower case, notes in brackets dropped, ``_``
    for spaces (``Source Port`` is ``source_port``)."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip().strip("#;\"' ").strip().lower()
    return re.sub(r"\s+", "_", name)


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


def choose_layout(columns: list[str], *, c2: bool = False) -> Layout | None:
    """The layout of a header; ``c2`` when the report says it lists C&C servers."""
    names = set(columns)
    if {"src_ip", "event_date", "event_time", "report_type"} <= names:
        return ABUSEHUB
    if {"ip", "lastseen", "botname"} <= names:
        return SPAMHAUS_CERT
    if names & set(GENERIC.ip) or names & set(GENERIC.url):
        return GENERIC
    if c2 and names & set(C2_LIST.ip):
        return C2_LIST
    return None


def names_c2(*texts: str | None) -> bool:
    """Whether a report's words (subject, file name, comment lines) say it lists C&C servers."""
    return any(C2_WORDS.search(re.sub(r"[_.]+", " ", text)) for text in texts if text)


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
    rsit = None
    if layout is C2_LIST:
        pair, rsit = taxonomy.rsit_pair("c2-server"), "c2-server"
    elif layout is SPAMHAUS_CERT:
        pair = SPAMHAUS_NAMES.get((kind or "").lower(), ("infrastructure", "botnet"))
    else:
        pair = (
            taxonomy.rsit_pair(record.get("classification.type"))
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
        rsit=rsit,
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
    names = set(cells)
    offender = set(GENERIC.ip) | set(GENERIC.url) | set(C2_LIST.ip)
    return (cells, delimiter) if names & offender else None
