"""Shadowserver report mails: find the CSV (zipped or plain) and hand it to the CSV parser.

The CSV parser itself is ``abusedesk.parsers.shadowserver.parse_csv`` (table-driven from
Shadowserver's published schema). This module only recognises the mail (a sender at
shadowserver.org, or an attachment named as Shadowserver names its reports:
``2015-01-01-scan_ssdp-sample-asn.csv.zip``), unzips within the limits, and calls it.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import Message
from typing import Protocol

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import Event
from abusedesk.parsers import mime
from abusedesk.parsers.limits import safe_unzip
from abusedesk.parsers.result import Context, ParseResult

FORMAT = "shadowserver"
REPORT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9_]+(?:-[a-z0-9_.]+)*\.csv(?:\.zip)?$", re.I)


class CsvParser(Protocol):
    """The call ``run_csv`` makes of ``abusedesk.parsers.shadowserver.parse_csv``."""

    def __call__(
        self, data: bytes, *, filename: str | None, received_at: datetime
    ) -> list[Event]: ...


def csv_parser() -> CsvParser | None:
    """The Shadowserver CSV parser, or None while it is not installed."""
    try:
        from abusedesk.parsers.shadowserver import parse_csv
    except ImportError:
        return None
    return parse_csv


def run_csv(data: bytes, name: str | None, ctx: Context) -> list[Event]:
    """Events of one Shadowserver CSV file; ParseError when it cannot be read."""
    parse_csv = csv_parser()
    if parse_csv is None:
        raise ParseError(
            "Shadowserver report recognised, but the Shadowserver CSV parser is not installed"
        )
    return list(parse_csv(data, filename=name, received_at=ctx.received_at))


def try_csv(data: bytes, name: str | None, ctx: Context) -> list[Event] | None:
    """Like ``run_csv`` but None instead of an error (for CSVs that only may be Shadowserver)."""
    try:
        return run_csv(data, name, ctx)
    except ParseError:
        return None


def files(message: Message, ctx: Context) -> list[tuple[str, bytes]]:
    """The CSV files of a mail: plain attachments and the members of zip attachments."""
    found = []
    for part in mime.walk(message):
        if part.is_multipart():
            continue
        name = mime.filename(part) or ""
        lower = name.lower()
        if lower.endswith(".zip") or mime.content_type(part) in (
            "application/zip",
            "application/x-zip-compressed",
        ):
            for member in safe_unzip(
                mime.payload_bytes(part, ctx.limits), limits=ctx.limits, suffixes=(".csv",)
            ):
                found.append((member.name.rsplit("/", 1)[-1], member.data))
        elif lower.endswith(".csv") or mime.content_type(part) == "text/csv":
            found.append((name, mime.payload_bytes(part, ctx.limits)))
    return found


def is_shadowserver(message: Message, ctx: Context) -> bool:
    sender = (ctx.reporter or "").lower()
    if sender.endswith("@shadowserver.org") or sender.endswith(".shadowserver.org"):
        return True
    return any(
        REPORT_NAME.match(mime.filename(part) or "")
        for part in mime.walk(message)
        if not part.is_multipart()
    )


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """Read a Shadowserver report mail, or return None when ``message`` is none."""
    if not is_shadowserver(message, ctx):
        return None
    csv_files = files(message, ctx)
    if not csv_files:
        return None  # a Shadowserver newsletter or a download link only
    events: list[Event] = []
    for name, data in csv_files:
        events.extend(run_csv(data, name, ctx))
    return ParseResult(FORMAT, tuple(events), reporter=ctx.reporter, subject=ctx.subject)
