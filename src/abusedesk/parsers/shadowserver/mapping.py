"""The pinned Shadowserver report-type table, loaded, and how a CSV file is matched to a type.

The table (``abusedesk/parsers/data/shadowserver.json``) is generated from Shadowserver's
published schema by ``abusedesk shadowserver refresh-schema`` (see ``generate``); this module
only reads it. A file is matched to a report type by its name first (Shadowserver names every
file ``<date>-<report type>-<scope>.csv``), and by its header only when the name says
nothing: many report types share most columns, so a header match is accepted only when every
close candidate would be parsed and classified the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from abusedesk.domain.errors import ParseError

FORMAT = "abusedesk-shadowserver/1"
MAPPING_RESOURCE = "shadowserver.json"

#: A header must share this share of its columns with a report type to be taken for it.
HEADER_MIN_SIMILARITY = 0.7
#: Candidates this close to the best one must agree on how rows are read and classified.
HEADER_MARGIN = 0.05

_FILENAME = re.compile(r"^(?:\d{4}-\d{2}-\d{2}[-_])?([a-z0-9_]+)")


@dataclass(frozen=True, slots=True)
class Variant:
    """A classification that applies to rows whose ``column`` contains ``contains``."""

    column: str
    contains: str
    category: str
    type: str
    rsit: str


@dataclass(frozen=True, slots=True)
class ReportType:
    """One Shadowserver report type: how its rows become events."""

    name: str
    title: str
    category: str
    type: str
    rsit: str
    victim: bool  # the listed address was attacked; the offender is not in the report
    amplifier: bool  # the listed host reflects traffic (the host to fix)
    columns: Mapping[str, tuple[str, ...]]  # event field -> candidate columns, best first
    details: tuple[str, ...]
    header: frozenset[str]
    variants: tuple[Variant, ...] = ()
    legacy: bool = False  # no longer in Shadowserver's schema; kept for old files

    @property
    def behaviour(self) -> tuple[Any, ...]:
        """What decides the events a row gives; types equal in this read rows the same way."""
        columns = tuple(sorted(self.columns.items()))
        return (self.category, self.type, self.rsit, self.victim, columns, self.variants)


class ReportTypes:
    """The loaded table: report types by name, with recognition by file name or header."""

    def __init__(self, types: Mapping[str, ReportType], generated_from: Mapping[str, Any]):
        self._types = dict(types)
        self.generated_from = dict(generated_from)

    def __len__(self) -> int:
        return len(self._types)

    def __iter__(self) -> Iterator[ReportType]:
        return iter(self._types.values())

    def get(self, name: str) -> ReportType | None:
        return self._types.get(name)

    def by_filename(self, filename: str | None) -> ReportType | None:
        """The report type a Shadowserver file name names, or ``None``."""
        name = report_name_from_filename(filename)
        return self._types.get(name) if name else None

    def by_header(self, header: Sequence[str]) -> ReportType:
        """The report type whose columns match ``header``; ``ParseError`` when unsure."""
        columns = frozenset(header)
        scored = sorted(
            ((len(columns & t.header) / len(columns | t.header), t.name, t)
             for t in self._types.values() if t.header),
            key=lambda item: (-item[0], item[1]),
        )
        if not scored or scored[0][0] < HEADER_MIN_SIMILARITY:
            closest = f" (closest: {scored[0][1]}, {scored[0][0]:.0%} alike)" if scored else ""
            raise ParseError("unknown Shadowserver report type: the file name does not name one "
                             f"and the header matches none{closest}")
        best = scored[0]
        close = [item for item in scored if best[0] - item[0] <= HEADER_MARGIN]
        if any(item[2].behaviour != best[2].behaviour for item in close):
            names = ", ".join(item[1] for item in close[:6])
            raise ParseError("cannot tell the Shadowserver report type from the header alone "
                             f"(it fits {names}); the file name must name the report")
        return best[2]


def report_name_from_filename(filename: str | None) -> str | None:
    """``2019-10-15-scan_http-sample-asn.csv`` -> ``scan_http``; ``None`` if there is none."""
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    match = _FILENAME.match(base)
    return match.group(1) if match else None


def parse_mapping(text: str) -> ReportTypes:
    """Read the table's JSON text; ``ValueError`` if it is not a table this code understands."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} table")
    types = {name: _report_type(name, spec) for name, spec in data["types"].items()}
    return ReportTypes(types, data.get("generated_from", {}))


@cache
def builtin_report_types() -> ReportTypes:
    """The table shipped with abusedesk (read once per process)."""
    text = resources.files("abusedesk.parsers").joinpath("data", MAPPING_RESOURCE).read_text(
        encoding="utf-8")
    return parse_mapping(text)


def _report_type(name: str, spec: Mapping[str, Any]) -> ReportType:
    category, _, type_ = spec["xarf"].partition("/")
    variants = tuple(
        Variant(column=v["column"], contains=v["contains"], category=v["xarf"].split("/")[0],
                type=v["xarf"].split("/")[1], rsit=v["rsit"])
        for v in spec.get("variants", ())
    )
    return ReportType(
        name=name,
        title=spec["name"],
        category=category,
        type=type_,
        rsit=spec["rsit"],
        victim=spec["role"] == "victim",
        amplifier=bool(spec.get("amplifier", False)),
        columns={kind: tuple(columns) for kind, columns in spec["columns"].items()},
        details=tuple(spec.get("details", ())),
        header=frozenset(spec.get("header", "").split()),
        variants=variants,
        legacy=bool(spec.get("legacy", False)),
    )
