"""Microsoft CTIP (Cyber Threat Intelligence Program) feed records, as JSON.

Each record names an infected host: ``networksourceipv4`` (or ``…ipv6``) and
``networksourceport``, ``firstreporteddatetime`` (UTC, without zone), and
``indicatorthreattype`` (``Botnet`` for the infected-device feed). Destination fields are the
sinkhole or the contacted server and are not offenders.
"""

from __future__ import annotations

from typing import Any

from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_iso

FORMAT = "ctip"


def is_ctip(data: Any) -> bool:
    records = data if isinstance(data, list) else [data]
    return (
        bool(records)
        and all(isinstance(r, dict) for r in records[:5])
        and any("indicatorthreattype" in {k.lower() for k in r} for r in records[:5])
    )


def parse(data: Any, ctx: Context) -> ParseResult:
    records = data if isinstance(data, list) else [data]
    events: list[Event] = []
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            continue
        fields = {str(k).lower(): v for k, v in record.items()}
        pair = taxonomy.lookup(str(fields.get("indicatorthreattype") or "")) or (
            "infrastructure",
            "botnet",
        )
        time = parse_iso(str(fields.get("firstreporteddatetime") or ""))
        ip = indicators.offender_ip(
            fields.get("networksourceipv4") or fields.get("networksourceipv6")
        )
        event = ctx.event(
            *pair,
            ip=ip,
            port=fields.get("networksourceport"),
            time=time,
            time_field="CTIP firstreporteddatetime" if time else None,
            report_id=str(fields.get("externalid") or "") or None,
            evidence=f"CTIP record {number}",
            details={
                "description": fields.get("description"),
                "confidence": fields.get("confidence"),
            },
        )
        if event is not None:
            events.append(event)
    return ParseResult(FORMAT, tuple(events), reporter=ctx.reporter)
