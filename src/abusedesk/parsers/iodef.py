"""IODEF documents (RFC 5070, and RFC 7970's version 2 where it differs little).

Each ``System`` with ``category="source"`` in an ``EventData/Flow`` is an offender: its
``Node/Address`` (IPv4 or IPv6; networks are skipped) and ``NodeName``, with the port when
``Service`` names exactly one. The kind of abuse comes from ``Assessment/Impact@type``
(``SystemImpact@type`` in version 2), from the event's before the incident's; an
``unknown`` impact falls back to the words of the descriptions. The time is the event's
``StartTime`` or ``DetectTime``, then the incident's ``DetectTime``, then ``ReportTime``.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import Message
from xml.etree.ElementTree import Element

from abusedesk.domain.events import Event
from abusedesk.parsers import indicators, mime, taxonomy
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_iso
from abusedesk.parsers.xmlsafe import child, children, descendants, local, parse_xml, text

FORMAT = "iodef"

IMPACT_TYPES: dict[str, tuple[str, str] | None] = {
    "dos": ("connection", "ddos"),
    "denial-of-service": ("connection", "ddos"),
    "degraded-performance": ("connection", "ddos"),
    "recon": ("connection", "reconnaissance"),
    "admin": ("infrastructure", "compromised_server"),
    "user": ("infrastructure", "compromised_server"),
    "file": ("infrastructure", "compromised_server"),
    "takeover-account": ("infrastructure", "compromised_server"),
    "takeover-service": ("infrastructure", "compromised_server"),
    "takeover-system": ("infrastructure", "compromised_server"),
    "info-leak": ("content", "exposed_data"),
    "breach-privacy": ("content", "exposed_data"),
    "breach-proprietary": ("content", "exposed_data"),
    "misconfiguration": ("vulnerability", "misconfiguration"),
    "social-engineering": ("content", "phishing"),
    "extortion": ("content", "fraud"),
    "policy": None,
    "unknown": None,
}


def is_iodef(data: bytes | str) -> bool:
    head = data[:4096] if isinstance(data, str) else data[:4096].decode("utf-8", "replace")
    return "IODEF-Document" in head


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read an IODEF document attached to (or inline in) a mail."""
    for part in mime.leaf_parts(message):
        kind = mime.content_type(part)
        name = (mime.filename(part) or "").lower()
        if kind.endswith("xml") or name.endswith(".xml") or kind == "text/plain":
            data = mime.payload_bytes(part, ctx.limits)
            start = data.find(b"<IODEF-Document")
            if start < 0:
                start = data.find(b":IODEF-Document")
                start = data.rfind(b"<", 0, start) if start >= 0 else -1
            if start >= 0:
                return parse_document(data[start:], ctx)
    return None


def parse_document(data: bytes | str, ctx: Context, root: Element | None = None) -> ParseResult:
    """Read an IODEF document into one event per source system."""
    if root is None:
        root = parse_xml(data, ctx.limits, "the IODEF document")
    events: list[Event] = []
    reporter = None
    for incident in children(root, "Incident"):
        incident_pair = _pair(incident)
        incident_id = text(incident, "IncidentID")
        incident_time = parse_iso(text(incident, "DetectTime"))
        incident_field = "Incident/DetectTime"
        if incident_time is None:
            incident_time, incident_field = (
                parse_iso(text(incident, "ReportTime")),
                "Incident/ReportTime",
            )
        for contact in descendants(incident, "Contact"):
            reporter = reporter or indicators.email_address(text(contact, "Email"))
        for event_data in descendants(incident, "EventData"):
            pair = _pair(event_data) or incident_pair or _pair_from_text(incident)
            if pair is None:
                ctx.warnings.append("an IODEF event names no kind of abuse that abusedesk knows")
                continue
            time, field = parse_iso(text(event_data, "StartTime")), "EventData/StartTime"
            if time is None:
                time, field = parse_iso(text(event_data, "DetectTime")), "EventData/DetectTime"
            if time is None:
                time, field = incident_time, incident_field
            for flow in children(event_data, "Flow"):
                for system in children(flow, "System"):
                    if (system.get("category") or "").lower() != "source":
                        continue
                    events.extend(
                        _system_events(
                            system, pair, time, field if time else None, incident_id, ctx
                        )
                    )
    return ParseResult(
        FORMAT,
        tuple(events),
        reporter=reporter or ctx.reporter,
        subject=ctx.subject,
    )


def _pair(element: Element) -> tuple[str, str] | None:
    assessment = child(element, "Assessment")
    for name in ("Impact", "SystemImpact"):
        for impact in children(assessment, name):
            pair = IMPACT_TYPES.get((impact.get("type") or "").lower())
            if pair is not None:
                return pair
    return None


def _pair_from_text(incident: Element) -> tuple[str, str] | None:
    words = " ".join(node.text or "" for node in descendants(incident, "Description"))
    words += " " + " ".join(node.text or "" for node in descendants(incident, "ReferenceName"))
    return taxonomy.classify_text(words)


def _system_events(
    system: Element,
    pair: tuple[str, str],
    time: datetime | None,
    field: str | None,
    incident_id: str | None,
    ctx: Context,
) -> list[Event]:
    """One event per address of each ``Node`` (a node without one: its ``NodeName`` alone)."""
    port = None
    for service in children(system, "Service"):
        value = text(service, "Port") or text(service, "Portlist")
        if value and re.fullmatch(r"\d{1,5}", value):
            port = value
    events: list[Event] = []
    for node in children(system, "Node"):
        name = text(node, "NodeName")
        addresses: list[Element | None] = [
            a
            for a in children(node, "Address")
            if (a.get("category") or "ipv4-addr").lower() in ("ipv4-addr", "ipv6-addr")
        ]
        for address in addresses or [None]:
            ip = indicators.offender_ip(text(address)) if address is not None else None
            event = ctx.event(
                *pair,
                ip=ip,
                port=port,
                domain=name,
                time=time,
                time_field=f"IODEF {field}" if field else None,
                report_id=incident_id,
                evidence=f"IODEF {local(system.tag)} category=source",
            )
            if event is not None:  # a node with neither a usable address nor a name
                events.append(event)
    return events
