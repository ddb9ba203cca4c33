"""JSON events in IntelMQ's field names, and CERT Polska n6 events, however they arrive.

National CERTs that run IntelMQ (CZ.NIC PROKI, CERT.at and others) send its events as they
are: one object, a JSON array, JSON Lines, or wrapped in an envelope (``{"data": [...]}``),
as a mail body, an attachment (gzipped or not) or a file. Field names are dotted
(``source.ip``, ``time.source``, ``classification.type``) or, from IntelMQ's hierarchical
output, nested (``{"source": {"ip": ...}}``). The offender is ``source.*``; ``destination.*``
is the sinkhole, the honeypot or the victim and is kept in the details only. The kind of
abuse is ``classification.type``, an ENISA RSIT type (or a pre-3.0 IntelMQ name), mapped to
XARF v4 by ``rsit.rsit_pair`` and kept as the event's RSIT type so the policy reads it.

n6 events name the offender in ``address`` (a list of ``{"ip": ...}``), ``fqdn`` and ``url``,
the kind in ``category`` (``bots``, ``cnc``, ``phish``, ``scanning`` ...), and the time in
``time``; a ``dos-victim`` event names the victim of an attack, not its source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from typing import Any

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import Event, EventRole
from abusedesk.parsers import indicators, mime, rsit, taxonomy, xarf_json
from abusedesk.parsers.limits import safe_gunzip
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_iso

INTELMQ = "intelmq"
N6 = "n6"
#: Keys that only IntelMQ events have.
_INTELMQ_KEYS = frozenset(
    {"source.ip", "source.url", "source.fqdn", "source.network", "classification.type",
     "time.source", "feed.name"}
)
#: Envelopes that wrap a list of events (PROKI's API answers ``{"status", "data": [...]}``).
_ENVELOPES = ("data", "events", "results", "items")
_JSON_NAMES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_JSON_TYPES = frozenset(
    {"application/json", "application/x-ndjson", "application/jsonl", "application/json-seq"}
)


def load(raw: bytes, ctx: Context, what: str, *, trailing: bool = False) -> Any:
    """A JSON value, or the list of values of a JSON Lines text; with ``trailing``, text
    after them (a mail body's signature) is ignored."""
    try:
        return xarf_json.load_json(raw, ctx, what)
    except ParseError:
        values = _json_lines(raw, ctx, what, trailing=trailing)
        if values is not None:
            return values
        if not trailing:
            raise
        return xarf_json.load_json(raw, ctx, what, trailing=True)


def _json_lines(raw: bytes, ctx: Context, what: str, *, trailing: bool) -> list[Any] | None:
    """The values of a JSON Lines text (two at least), or None when it is not one."""
    values: list[Any] = []
    for line in raw.splitlines():
        text = line.strip()
        if not text:
            continue
        if not text.startswith(b"{"):
            if trailing and values:
                break  # a signature under the events
            return None
        try:
            values.append(xarf_json.load_json(text, ctx, what))
        except ParseError:
            return None
        if len(values) > ctx.limits.max_events:
            break
    return values if len(values) > 1 else None


def records_of(data: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """``(format, flattened records)`` when ``data`` holds IntelMQ or n6 events, else None."""
    if isinstance(data, dict):
        inner = next((data[k] for k in _ENVELOPES if isinstance(data.get(k), list)), None)
        data = inner if inner is not None else [data]
    if not isinstance(data, list) or not data:
        return None
    records = [_flatten(r) for r in data if isinstance(r, dict)]
    sample = records[:5]
    if any(_INTELMQ_KEYS & r.keys() for r in sample):
        return INTELMQ, records
    if any(_is_n6(r) for r in sample):
        return N6, records
    return None


def _is_n6(record: dict[str, Any]) -> bool:
    return (
        isinstance(record.get("category"), str)
        and "time" in record
        and bool({"address", "fqdn", "url"} & record.keys())
        and not xarf_json.is_xarf(record)
    )


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"source": {"ip": x}}`` -> ``{"source.ip": x}``; keys lower-cased; lists kept."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{str(key).lower()}"
        if isinstance(value, dict) and prefix.count(".") < 3:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def parse(fmt: str, records: list[dict[str, Any]], ctx: Context) -> ParseResult:
    """Events of IntelMQ or n6 records (``records_of`` says which)."""
    reader = _intelmq_events if fmt == INTELMQ else _n6_events
    events: list[Event] = []
    for number, record in enumerate(records, 1):
        events.extend(reader(record, number, ctx))
    return ParseResult(fmt, tuple(events), reporter=ctx.reporter, subject=ctx.subject)


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Events in a mail's JSON attachment (``.json``, JSON Lines, gzipped) or JSON body."""
    for part in mime.leaf_parts(message):
        name = (mime.filename(part) or "").lower()
        kind = mime.content_type(part)
        if not (kind in _JSON_TYPES or name.endswith(_JSON_NAMES) or kind == "text/plain"):
            continue
        data = mime.payload_bytes(part, ctx.limits)
        if data[:2] == b"\x1f\x8b":
            data = safe_gunzip(data, limits=ctx.limits)
        if data.lstrip()[:1] not in (b"{", b"["):
            continue
        try:
            found = records_of(load(data, ctx, name or "the JSON part", trailing=True))
        except ParseError:
            continue
        if found is not None:
            return parse(*found, ctx)
    return None


def _text(record: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return str(value)
    return None


def _intelmq_events(record: dict[str, Any], number: int, ctx: Context) -> Iterator[Event]:
    kind = _text(record, "classification.type")
    rsit_name = rsit.rsit_type(kind)
    pair = (
        rsit.rsit_pair(kind)
        or taxonomy.lookup(kind, _text(record, "classification.identifier"))
        or (("infrastructure", "botnet") if _text(record, "malware.name") else None)
        or taxonomy.classify_text(_text(record, "classification.taxonomy"))
    )
    evidence = f"IntelMQ event {number}"
    if pair is None:
        ctx.warnings.append(f"{evidence}: classification {kind!r} not recognised")
        return
    time = parse_iso(_text(record, "time.source"))
    event = ctx.event(
        *pair,
        ip=indicators.offender_ip(_text(record, "source.ip")),
        port=_text(record, "source.port"),
        url=_text(record, "source.url"),
        domain=_text(record, "source.fqdn"),
        time=time,
        time_field="IntelMQ time.source" if time else None,
        evidence=evidence,
        rsit=rsit_name if rsit_name and rsit.rsit_pair(rsit_name) == pair else None,
        details={
            "kind": kind,
            "feed": _text(record, "feed.name"),
            "malware": _text(record, "malware.name"),
            "identifier": _text(record, "classification.identifier"),
            "protocol": _text(record, "protocol.transport", "protocol.application"),
            "destination_ip": _text(record, "destination.ip"),
            "destination_port": _text(record, "destination.port"),
            "destination_fqdn": _text(record, "destination.fqdn"),
        },
    )
    if event is not None:
        yield event
    elif network := _text(record, "source.network"):
        ctx.warnings.append(
            f"{evidence} names the network {network}, not an address; assign it by hand"
        )


#: n6 categories that name the victim of the activity rather than its source.
_N6_VICTIM = frozenset({"dos-victim"})


def _n6_events(record: dict[str, Any], number: int, ctx: Context) -> Iterator[Event]:
    category = _text(record, "category")
    pair = taxonomy.lookup(category) or rsit.rsit_pair(category)
    evidence = f"n6 event {number}"
    if pair is None:
        ctx.warnings.append(f"{evidence}: category {category!r} not recognised")
        return
    time = parse_iso(_text(record, "time"))
    addresses = record.get("address")
    listed = addresses if isinstance(addresses, list) else []
    ips = [a.get("ip") for a in listed if isinstance(a, dict)] or [None]
    role = EventRole.VICTIM if category in _N6_VICTIM else EventRole.OFFENDER
    for ip in ips:
        event = ctx.event(
            *pair,
            ip=indicators.offender_ip(ip),
            port=_text(record, "sport"),
            url=_text(record, "url"),
            domain=_text(record, "fqdn"),
            time=time,
            time_field="n6 time" if time else None,
            report_id=_text(record, "id"),
            evidence=evidence,
            details={
                "kind": category,
                "feed": _text(record, "source"),
                "malware": _text(record, "name"),
                "protocol": _text(record, "proto"),
                "destination_port": _text(record, "dport"),
                "role": role.value if role is EventRole.VICTIM else None,
            },
        )
        if event is not None:
            yield replace(event, role=role) if role is EventRole.VICTIM else event
