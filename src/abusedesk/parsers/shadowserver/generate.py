"""Turn Shadowserver's published schema into abusedesk's pinned report-type table.

Shadowserver publishes two files: ``reports.json`` (per report type: its CSV columns, a
title and, for most types, an RSIT classification) and ``intelmq.json`` (its field mappings
for IntelMQ, with a classification for every type). ``build_mapping`` reads the first and,
when given, the second, applies the judgements in ``rules`` (XARF category, which column
names the offender, victim reports, legacy names) and returns abusedesk's own compact table;
``render_mapping`` writes it as stable, diff-friendly JSON. Nothing here does I/O: the
``abusedesk shadowserver refresh-schema`` command reads the inputs and writes the file.

A report type the rules cannot classify stops the generation with a message naming it, so a
refreshed schema never ships a type that would be parsed wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.events import RSIT_TYPES, XARF_TYPES
from abusedesk.parsers.shadowserver import rules

FORMAT = "abusedesk-shadowserver/1"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_COLUMN = re.compile(r"^[A-Za-z0-9_.\-]+$")
_MAX_TYPES = 2000
_MAX_FIELDS = 1000
_OFFENDER_KINDS = ("ip", "url", "hostname", "email")


def build_mapping(reports: Mapping[str, Any], intelmq: Mapping[str, Any] | None = None, *,
                  sources: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the report-type table from Shadowserver's ``reports.json`` (and ``intelmq.json``).

    ``sources`` describes the inputs (digests, dates) and is copied into the table so the
    pinned file says what it was made from. Raises ``InvalidInput`` naming the report type
    and field when an input is malformed or a type cannot be classified.
    """
    fields_by_type = _read_reports(reports)
    published = _published_classes(reports, intelmq)
    types: dict[str, dict[str, Any]] = {}
    for name in sorted(fields_by_type):
        types[name] = _entry(name, fields_by_type[name], reports[name], published)
    for name, legacy in sorted(rules.LEGACY_REPORTS.items()):
        # A name Shadowserver brings back wins over our memory of it; an old name whose
        # current model the schema no longer lists is left out (the refresh command shows it
        # as removed, so someone can model it on another type).
        like = legacy.get("like")
        if name not in types and (like is None or like in types):
            types[name] = _legacy_entry(name, legacy, types)
    return {"format": FORMAT, "generated_from": dict(sources or {}), "types": types}


def render_mapping(mapping: Mapping[str, Any]) -> str:
    """The table as JSON text: one report type per line, keys sorted, so diffs stay small."""
    head = {k: v for k, v in mapping.items() if k != "types"}
    lines = ["{"]
    for key in sorted(head):
        lines.append(f"  {json.dumps(key)}: {json.dumps(head[key], sort_keys=True)},")
    lines.append('  "types": {')
    names = sorted(mapping["types"])
    for index, name in enumerate(names):
        comma = "," if index < len(names) - 1 else ""
        entry = json.dumps(mapping["types"][name], sort_keys=True, ensure_ascii=False)
        lines.append(f"    {json.dumps(name)}: {entry}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- reading the inputs ------------------------------------------------------------------

def _read_reports(reports: Mapping[str, Any]) -> dict[str, list[str]]:
    if not isinstance(reports, Mapping) or not reports:
        raise InvalidInput("reports.json must be a non-empty JSON object of report types")
    if len(reports) > _MAX_TYPES:
        raise InvalidInput(f"reports.json lists {len(reports)} report types; at most {_MAX_TYPES}")
    result: dict[str, list[str]] = {}
    for name, spec in reports.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise InvalidInput(f"reports.json: report type name {name!r} is not a plain name")
        fields = spec.get("fields") if isinstance(spec, Mapping) else None
        if not isinstance(fields, list) or not fields or len(fields) > _MAX_FIELDS:
            raise InvalidInput(f"reports.json: {name}: 'fields' must be a list of column names")
        for column in fields:
            if not isinstance(column, str) or not _COLUMN.match(column):
                raise InvalidInput(f"reports.json: {name}: column {column!r} is not a plain name")
        result[name] = [column.lower() for column in fields]
    return result


def _published_classes(reports: Mapping[str, Any],
                       intelmq: Mapping[str, Any] | None) -> dict[str, str]:
    """RSIT type per report type as Shadowserver publishes it; intelmq.json wins where set."""
    classes: dict[str, str] = {}
    for name, spec in reports.items():
        value = spec.get("classification.type")
        if isinstance(value, str) and value:
            classes[name] = value
    if intelmq is None:
        return classes
    if not isinstance(intelmq, Mapping):
        raise InvalidInput("intelmq.json must be a JSON object of report types")
    for key, spec in intelmq.items():
        if key == "_meta" or not isinstance(spec, Mapping):
            continue
        file_name = spec.get("file_name")
        constants = spec.get("constant_fields")
        if not isinstance(file_name, str) or not isinstance(constants, Mapping):
            raise InvalidInput(f"intelmq.json: {key}: needs 'file_name' and 'constant_fields'")
        value = constants.get("classification.type")
        if isinstance(value, str) and value:
            classes[file_name] = value
    return classes


# -- one report type ---------------------------------------------------------------------

def _rsit_for(name: str, published: Mapping[str, str]) -> str:
    value = published.get(name) or published.get(_ipv4_sibling(name))
    value = value or rules.first_match(name, rules.RSIT_FALLBACKS)
    if value is None:
        raise InvalidInput(f"report type {name!r} has no RSIT classification in the schema and "
                           "no rule in abusedesk.parsers.shadowserver.rules.RSIT_FALLBACKS")
    value = rules.RSIT_SPELLINGS.get(value, value)
    if value not in RSIT_TYPES:
        raise InvalidInput(f"report type {name!r}: {value!r} is not an RSIT classification type")
    return value


def _ipv4_sibling(name: str) -> str:
    """``scan6_dns`` -> ``scan_dns``, ``event6_sinkhole`` -> ``event4_sinkhole``."""
    if name.startswith("event6_"):
        return "event4_" + name[len("event6_"):]
    return re.sub(r"6(?=_|$)", "", name, count=1)


def _xarf_for(name: str, rsit: str) -> str:
    value = rules.first_match(name, rules.XARF_OVERRIDES) or rules.RSIT_TO_XARF.get(rsit)
    if value is None:
        raise InvalidInput(f"report type {name!r}: no XARF mapping for RSIT type {rsit!r}; add "
                           "one to abusedesk.parsers.shadowserver.rules.RSIT_TO_XARF")
    category, _, type_ = value.partition("/")
    if type_ not in XARF_TYPES.get(category, ()):
        raise InvalidInput(f"report type {name!r}: {value!r} is not an XARF v4 category/type")
    return value


def _columns_for(name: str, fields: list[str]) -> dict[str, list[str]]:
    """Column candidates per event field: the default that the report has, else overrides."""
    present = set(fields)
    chosen: dict[str, list[str]] = {}
    for kind, candidates in rules.DEFAULT_COLUMNS.items():
        first = next((c for c in candidates if c in present), None)
        if first is not None:
            chosen[kind] = [first]
    overrides = rules.first_match(name, rules.COLUMN_OVERRIDES) or {}
    for kind, candidates in overrides.items():
        chosen[kind] = list(candidates)  # explicit alternates may name older layouts' columns
    return {kind: columns for kind, columns in chosen.items() if columns}


def _entry(name: str, fields: list[str], spec: Mapping[str, Any],
           published: Mapping[str, str]) -> dict[str, Any]:
    rsit = _rsit_for(name, published)
    columns = _columns_for(name, fields)
    if "time" not in columns:
        raise InvalidInput(f"report type {name!r} has no 'timestamp' column")
    if not any(kind in columns for kind in _OFFENDER_KINDS):
        raise InvalidInput(f"report type {name!r}: no column names an offender (ip, url, host "
                           "or e-mail); add a rule to rules.COLUMN_OVERRIDES")
    used = {column for kind, candidates in columns.items() for column in candidates}
    entry: dict[str, Any] = {
        "name": str(spec.get("name") or name),
        "rsit": rsit,
        "xarf": _xarf_for(name, rsit),
        "role": "victim" if rules.is_victim_report(name) else "offender",
        "columns": columns,
        "details": [f for f in fields if f in rules.DETAIL_COLUMNS and f not in used],
        "header": " ".join(fields),
    }
    if {"amplification", "min_amplification"} & set(fields) and entry["role"] == "offender":
        entry["amplifier"] = True  # the listed host reflects traffic: the one to fix
    variants = [
        {"column": column, "contains": needle, "xarf": xarf, "rsit": rsit_type}
        for pattern, column, needle, xarf, rsit_type in rules.ROW_VARIANTS
        if rules.first_match(name, ((pattern, True),)) and column in fields
    ]
    if variants:
        entry["variants"] = variants
    return entry


def _legacy_entry(name: str, legacy: Mapping[str, Any],
                  types: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    like = legacy.get("like")
    base = types[like] if like is not None else {}
    rsit = legacy.get("rsit") or base.get("rsit")
    columns = {kind: list(c) for kind, c in base.get("columns", {}).items()}
    for kind, candidates in columns.items():  # old layouts used the plain names
        plain = rules.DEFAULT_COLUMNS.get(kind, ("",))[0]
        if plain and plain not in candidates:
            candidates.append(plain)
    columns.update({kind: list(c) for kind, c in legacy.get("columns", {}).items()})
    columns.setdefault("time", ["timestamp"])
    columns = {kind: c for kind, c in columns.items() if c}
    used = {column for candidates in columns.values() for column in candidates}
    details = [c for c in [*base.get("details", ()), *legacy.get("details", ()), "hostname"]
               if c not in used]
    entry: dict[str, Any] = {
        "name": legacy.get("name") or f"{base.get('name', name)} (legacy {name})",
        "rsit": rsit,
        "xarf": legacy.get("xarf") or base.get("xarf") or _xarf_for(name, str(rsit)),
        "role": "victim" if like is not None and rules.is_victim_report(like) else "offender",
        "columns": columns,
        "details": list(dict.fromkeys(details)),
        "legacy": True,
    }
    if like is not None:
        entry["like"] = like
    if base.get("amplifier"):
        entry["amplifier"] = True
    if legacy.get("header"):
        entry["header"] = " ".join(legacy["header"].split())
    return entry
