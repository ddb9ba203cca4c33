"""Records in free text: ``|``-separated tables and blocks of ``Label: value`` lines.

Reporters who write for people still often tabulate (``|date |ip |domain |Url|``) or label
(``IP: 10.0.0.1`` / ``URL: …`` / ``Tested on: …``). Both are read into ``Record`` values
keyed ``ip``, ``url``, ``port``, ``domain`` and ``time``; only records that name an ip or a
url are kept. Free-text parsing (``freetext``) turns them into events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from abusedesk.parsers import indicators

_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ip",
        re.compile(
            r"(?:offending|source|src|infringer'?s?|attacker'?s?|attacking|reported|"
            r"malicious|remote|client|host)?\s*ip(?:v[46])?(?:\s*address)?",
            re.I,
        ),
    ),
    (
        "url",
        re.compile(
            r"(?:malicious|phishing|reported|offending|infringing)?\s*"
            r"(?:url|uri|link|web\s*site)",
            re.I,
        ),
    ),
    ("port", re.compile(r"(?:source|src|infringer'?s?|remote)?\s*port(?:\s*id)?", re.I)),
    ("domain", re.compile(r"domain|host\s*name|fqdn", re.I)),
    (
        "time",
        re.compile(
            r"(?:date|time|timestamp|date/time|tested on|detected(?: at| on)?|"
            r"first seen|last seen|seen|occurred|event time|incident time|"
            r"(?:initial |recent )?infringement timestamp|attack time)",
            re.I,
        ),
    ),
)
_LABEL_LINE = re.compile(r"^\s*[-*•]?\s*([A-Za-z][A-Za-z' /]{0,40}?)\s*:\s+(\S.*)$")


@dataclass(slots=True)
class Record:
    """Fields read for one offender from a table row or a labelled block."""

    line: int
    values: dict[str, str] = field(default_factory=dict)


def tables(lines: list[str]) -> list[Record]:
    """Rows of ``|``-separated tables whose header names an ip or url column."""
    records: list[Record] = []
    columns: list[str] | None = None
    for number, line in enumerate(lines):
        if line.count("|") < 2:
            if line.strip() and not set(line.strip()) <= set("+-=| "):
                columns = None if not line.strip().startswith("+") else columns
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = [_column(c) for c in cells]
        if ("ip" in names or "url" in names) and not any(
            indicators.IPV4_RE.search(c) for c in cells
        ):
            columns = names
            continue
        if columns is None:
            continue
        record = Record(number)
        for name, cell in zip(columns, cells, strict=False):
            if name and cell:
                record.values.setdefault(name, cell)
        if record.values.get("ip") or record.values.get("url"):
            records.append(record)
    return records


def _column(cell: str) -> str | None:
    for name, pattern in _LABELS:
        if pattern.fullmatch(cell.strip()):
            return name
    return None


def labelled(lines: list[str]) -> list[Record]:
    """Blocks of ``Label: value`` lines that name an ip or url."""
    records: list[Record] = []
    current = Record(0)
    for number, line in enumerate(lines + [""]):
        match = _LABEL_LINE.match(line)
        name = _column(match.group(1)) if match else None
        if name is None:
            if not line.strip() or set(line.strip()) <= set("#-=*_"):
                if current.values.get("ip") or current.values.get("url"):
                    records.append(current)
                current = Record(number + 1)
            continue
        if name in current.values:  # a second record without a blank line between
            if current.values.get("ip") or current.values.get("url"):
                records.append(current)
            current = Record(number)
        current.values[name] = match.group(2).strip()  # type: ignore[union-attr]
        if len(current.values) == 1:
            current.line = number
    return records
