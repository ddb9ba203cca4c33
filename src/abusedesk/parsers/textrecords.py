"""Records in free text: ``|``-separated tables and blocks of ``Label: value`` lines.

Reporters who write for people still often tabulate (``|date |ip |domain |Url|``) or label
(``IP: 10.0.0.1`` / ``Phishing URL: …`` / ``Detected: …``). Both are read into ``Record``
values keyed ``ip``, ``url``, ``port``, ``domain``, ``time`` and ``kind`` (``Issue:``,
``Abuse type:``, ``Category:``: the kind of abuse of that record alone); only records that
name an ip or a url are kept. A label or column is recognised by the word it ends on or
contains (``Fraudulent URL``, ``Adresse IP``, ``Timestamp (UTC)``), in English and the other
languages complainants write; a label that names the victim's side (``Target IP``,
``Destination port``, ``Original work``, ``Target brand``) is never an offender field.
Free-text parsing (``freetext``) turns records into events and leaves their lines alone
afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from abusedesk.parsers import indicators
from abusedesk.parsers.timeparse import parse_any

#: Words that put a label on the victim's or the reporter's side.
VICTIM_LABEL = re.compile(
    r"\b(?:target\w*|destination|dest|dst|victim\w*|original|legitimate|genuine|official|"
    r"brand|impersonated|spoofed|honeypot|sensor|reporter|reporting|our|ziel\w*|opfer|"
    r"cible|destino|víctima)\b",
    re.I,
)
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("port", re.compile(r"\b(?:port(?:\s*id)?|src_?port|source_?port)$", re.I)),
    (
        "ip",
        re.compile(
            r"(?:^|\b)(?:ip(?:v[46])?(?:[\s-]*(?:address(?:e)?|adresse))?|(?:adresse|dirección|"
            r"direccion|indirizzo)\s+ip|ip-адрес|src_?ip|source_?ip|ip_address|offender)$|"
            r"^ip(?:v[46])?\b",
            re.I,
        ),
    ),
    ("url", re.compile(r"\b(?:url|uri|link|web\s*site|website|site web|sitio web)$", re.I)),
    ("domain", re.compile(r"\b(?:domain|host\s*name|hostname|fqdn|domaine|dominio)$", re.I)),
    (
        "time",
        re.compile(
            r"\b(?:date|time|timestamp|date/time|tested on|detected(?: at| on)?|first seen|"
            r"last seen|seen|occurred|observed|reported|infringement timestamp|"
            r"fecha|hora|datum|zeit|zeitpunkt|uhrzeit|heure|дата|время)\b|日時|時刻",
            re.I,
        ),
    ),
    (
        "kind",
        re.compile(
            r"\b(?:issue|abuse[\s-]*type|type of abuse|incident[\s-]*type|category|"
            r"classification|violation|art des missbrauchs|type d'abus|tipo de abuso)$",
            re.I,
        ),
    ),
)
_HEADER_BLOCK = re.compile(r"\s*>?\s*(?:From|Subject|To|Von|Betreff|De|Objet)\s*:")
_DEADLINE = re.compile(r"\b(?:by|before|until|within|deadline|no later|bis|avant|antes)\b", re.I)
_LABEL_LINE = re.compile(r"^\s*[-*•]?\s*([^\W\d_][\w' /()-]{0,50}?)\s*[:：]\s+(\S.*)$")


@dataclass(slots=True)
class Record:
    """Fields read for one offender from a table row or a labelled block."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    lines: set[int] = field(default_factory=set)  # every line the record was read from


def column_name(cell: str) -> str | None:
    """``ip``/``url``/``port``/``domain``/``time``/``kind`` for a label or column heading.

    A parenthesised note (``Timestamp (UTC)``) is ignored; a victim-side label, and one
    that names nothing read here, is None.
    """
    name = re.sub(r"\([^)]*\)", " ", cell).strip().strip("#;:").strip()
    if not name or len(name) > 50 or VICTIM_LABEL.search(name):
        return None
    for key, pattern in _LABELS:
        if pattern.search(name):
            return key
    return None


def tables(lines: list[str]) -> list[Record]:
    """Rows of ``|``-separated tables whose header names an ip or url column."""
    records: list[Record] = []
    columns: list[str | None] | None = None
    for number, line in enumerate(lines):
        if line.count("|") < 2:
            if line.strip() and not set(line.strip()) <= set("+-=| "):
                columns = None if not line.strip().startswith("+") else columns
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = [column_name(_after_label(c)) for c in cells]
        if ("ip" in names or "url" in names) and not any(
            indicators.IPV4_RE.search(c) for c in cells
        ):
            columns = names
            continue
        if columns is None:
            continue
        record = Record(number, lines={number})
        for name, cell in zip(columns, cells, strict=False):
            if name and cell:
                record.values.setdefault(name, cell)
        if record.values.get("ip") or record.values.get("url"):
            records.append(record)
    return records


def _after_label(cell: str) -> str:
    """``Format: ASN`` -> ``ASN``: a table header may start with a label of its own."""
    return cell.split(":", 1)[1] if re.match(r"^[A-Za-z ]{1,20}:\s*\S", cell) else cell


def labelled(lines: list[str]) -> list[Record]:
    """Blocks of ``Label: value`` lines that name an ip or url.

    A blank line ends a block unless indented label lines follow: a batched report lists
    its issues about one offender as indented sub-blocks (WebIron's ``Offending IP:`` then
    ``- Issue:``/``- Time:``/``- Port:`` groups), and each sub-block is a record of its
    own for the offender named above it.
    """
    records: list[Record] = []
    current = Record(0)
    head: dict[str, str] = {}  # the offender named by the block's unindented lines
    for number, line in enumerate(lines + [""]):
        match = _LABEL_LINE.match(line)
        name = column_name(match.group(1)) if match else None
        if match is None or name is None:
            if not line.strip() and current.values and _indented_labels_follow(lines, number):
                continue
            if not line.strip() or set(line.strip()) <= set("#-=*_"):
                if current.values.get("ip") or current.values.get("url"):
                    records.append(current)
                current = Record(number + 1)
                head = {}
            continue
        indented = line[:1].isspace()
        if name in current.values:  # a second record without a blank line between
            if current.values.get("ip") or current.values.get("url"):
                records.append(current)
            current = Record(number, values=dict(head) if indented else {})
        current.values[name] = match.group(2).strip()
        current.lines.add(number)
        if not indented and name in ("ip", "url"):
            head[name] = current.values[name]
        if len(current.lines) == 1:
            current.line = number
    return records


def _indented_labels_follow(lines: list[str], number: int) -> bool:
    """Whether the next non-blank line after ``number`` is an indented ``Label: value``."""
    for line in lines[number + 1 : number + 4]:
        if line.strip():
            return line[:1].isspace() and _LABEL_LINE.match(line) is not None
    return False


def stated_times(lines: list[str]) -> list[datetime]:
    """The times a complaint states for what it reports.

    Times under a time label (``Detection time: …``) when there are any; else every time
    written in the text, except deadlines (``respond by …``). A pasted or forwarded header
    block (``From:``/``Subject:`` beside a ``Date:``) states when a mail was written, not when
    the abuse happened, and is left out.
    """
    labelled_times, written = [], []
    for number, line in enumerate(lines):
        nearby = lines[max(0, number - 3) : number + 4]
        if any(_HEADER_BLOCK.match(n) for n in nearby):
            continue
        match = _LABEL_LINE.match(line)
        if match and column_name(match.group(1)) == "time":
            moment = parse_any(match.group(2))
            if moment is not None:
                labelled_times.append(moment)
        elif not _DEADLINE.search(line):
            moment = parse_any(line)
            if moment is not None:
                written.append(moment)
    return labelled_times or written


def time_near(lines: list[str], number: int, indicator_lines: list[int]) -> datetime | None:
    """The time written on line ``number``, else the earliest on the lines under it.

    The lines under an indicator run to the next indicator or the first blank line after
    them, at most 8 lines, or further while they stay indented: a list of sightings under
    one address (Project Honey Pot writes the newest first) is read whole.
    """
    following = [n for n in indicator_lines if n > number]
    stop = following[0] if following else len(lines)
    times: list[datetime] = []
    for index in range(number, stop):
        text = re.sub(r"https?://\S+", " ", lines[index])
        if index > number and not text.strip():
            if index > number + 1:
                break
            continue
        if index >= number + 8 and not text[:1].isspace():
            break
        moment = parse_any(text)
        if moment is not None and index == number:
            return moment
        if moment is not None:
            times.append(moment)
    return min(times) if times else None


def earliest_in_table_under(lines: list[str], last: int, taken: set[int]) -> datetime | None:
    """The earliest time in a delimited table right under line ``last`` (a blank line or two
    between), read from the column its header names a time (``Event Date Time``).

    A labelled record (``Source IP: …``) followed by the log of what that address did, one row
    per sighting (myNetWatchman's incident table), is dated by its first sighting. A table
    whose lines are ``taken`` (read as CSV naming offenders of its own) dates nothing.
    """
    number = last + 1
    while number < len(lines) and number <= last + 3 and not lines[number].strip():
        number += 1
    if number >= len(lines):
        return None
    delimiter = next((d for d in (",", "\t", ";", "|") if lines[number].count(d) >= 2), None)
    if delimiter is None:
        return None
    header = [c.strip() for c in lines[number].split(delimiter)]
    names = [column_name(c) for c in header]
    if "time" not in names or number in taken or indicators.IPV4_RE.search(lines[number]):
        return None  # no times, or a CSV block of offenders of its own, already read
    column = names.index("time")
    times = []
    for line in lines[number + 1 : number + 1 + 500]:
        cells = line.split(delimiter)
        if not line.strip() or len(cells) != len(header):
            break
        moment = parse_any(cells[column])
        if moment is not None:
            times.append(moment)
    return min(times) if times else None
