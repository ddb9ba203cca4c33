"""Events from the indicators of free text, and one event per offender a complaint names.

``record_event`` reads a table row or a labelled block; ``loose_events`` reads the remaining
lines indicator by indicator, with the kind of abuse named on the line, else by the nearest
heading above (a short line or one ending in ``:``), else by the complaint. Victims are never
offenders (``Found.role``): the targeted brand's site, the rightsholder's original, and the
addresses on the receiving end of an attack (``=> 203.0.113.9``, ``against 203.0.113.200``)
when the complaint names a source.

People name one offender several times (subject, prose, log lines, a labelled block), so
``fold`` keeps one event per offender and kind: the earliest time the complaint writes for
it (a mention without a port joins the one with the port); an address-only event yields to
the URL event it hosts; a lone URL and a lone address of the same kind are one resource; and
a single time the complaint states under a label (``Detection time: …``) dates the events
that have none of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from abusedesk.domain.events import Event, IPAddress, TimeSource
from abusedesk.parsers import indicators, taxonomy
from abusedesk.parsers.result import Context
from abusedesk.parsers.textrecords import Record, time_near
from abusedesk.parsers.timeparse import parse_any

#: Kinds of abuse that live at a URL; for the others the offender is the address.
URL_KINDS = frozenset({"content", "copyright", "infrastructure"})
#: A pair a line may name loosely ("fraudulent URL") that yields to the complaint's own,
#: more specific kind of the same category (phishing).
_GENERIC_PAIRS = frozenset({("content", "fraud")})
UNCLASSIFIED = "unclassified"

Pair = tuple[str, str]


def allowed_ip(value: str | None, ctx: Context) -> IPAddress | None:
    """The address, unless it can never offend or is a documentation address in free text."""
    address = indicators.offender_ip(value)
    if address is None:
        return None
    if indicators.is_documentation(address) and not ctx.options.free_text_documentation_ranges:
        return None
    return address


def allowed_url(url: str | None, own: set[str] | frozenset[str]) -> str | None:
    """The URL, unless it is munged or on the reporter's, our own or a reference site."""
    if not url or not re.match(r"(?i)^(https?|ftp)://", url):
        return None
    host = indicators.url_host(url)
    if host is None or "*" in url.split("/")[2]:
        return None  # munged ("http://*MUNGED*/")
    if indicators.registered_domain(host) in own:
        return None
    return url


def record_event(
    record: Record, pair: Pair | None, ctx: Context, own: set[str] | frozenset[str]
) -> Event | str | None:
    """The event of one table row or labelled block; ``UNCLASSIFIED`` without a kind."""
    values = record.values
    ip_value = indicators.unpad_listed(values.get("ip", ""))
    ip_text = indicators.IPV4_RE.search(ip_value) or indicators.IPV6_RE.search(ip_value)
    ip = allowed_ip(ip_text.group(0) if ip_text else None, ctx)
    url_match = indicators.URL_RE.search(indicators.refang(values.get("url", "")))
    url = allowed_url(url_match.group(0) if url_match else None, own)
    if ip is None and url is None:
        return None
    if pair is None:
        return UNCLASSIFIED
    if pair[0] not in URL_KINDS:
        url = None
        if ip is None:
            return None
    time = parse_any(values.get("time"))
    domain = values.get("domain")
    if domain and indicators.registered_domain(domain) in own:
        domain = None
    return ctx.event(
        *pair,
        ip=ip,
        url=url,
        port=values.get("port"),
        domain=domain,
        time=time,
        time_field="time written in the complaint" if time else None,
        evidence=f"text line {record.line + 1}",
    )


#: A CSV header row (``Firstseen,DstIP,DstPort,Malware``): column names, not a title; a
#: ``Malware`` column does not make the rows under it malware.
_COLUMN_NAMES = re.compile(r"[\w.-]+(?:(?:[,;]|\s*[|\t]\s*)[\w.-]+){2,}")


def is_heading(line: str) -> bool:
    """A line that titles what follows: ends with ``:``, or is short and not a sentence;
    never a row of column names."""
    text = line.strip().strip("#=*-_ ")
    if not text or re.search(r"https?://", text) or _COLUMN_NAMES.fullmatch(text):
        return False
    return text.endswith(":") or (len(text) <= 60 and not re.search(r"[.!?,;]$", text))


def loose_events(
    lines: list[str],
    doc_pair: Pair | None,
    ctx: Context,
    own: set[str] | frozenset[str],
    skip_lines: set[int],
) -> Iterator[Event | str]:
    """Events of the indicators outside records (``skip_lines``), line by line."""
    found = [
        f
        for f in indicators.find_indicators("\n".join(lines))
        if f.line not in skip_lines and f.role != "victim"
    ]
    sourced = any(
        f.kind == "ip" and f.role == "offender" and allowed_ip(f.value, ctx) is not None
        for f in found
    )
    by_line: dict[int, list[indicators.Found]] = {}
    for item in found:
        if item.kind == "ip" and item.role == "destination" and sourced:
            continue  # the receiving end of an attack whose source is named
        by_line.setdefault(item.line, []).append(item)
    indicator_lines = sorted(by_line)
    section: Pair | None = None
    for number, line in enumerate(lines):
        if number not in by_line:
            heading = taxonomy.classify_text(line) if is_heading(line) else None
            section = heading or section
            continue
        pair = taxonomy.classify_text(re.sub(r"https?://\S+", " ", line)) or section or doc_pair
        if pair in _GENERIC_PAIRS and doc_pair is not None and doc_pair[0] == pair[0]:
            pair = doc_pair
        yield from _line_events(by_line[number], pair, lines, number, indicator_lines, ctx, own)


def _line_events(
    items: list[indicators.Found],
    pair: Pair | None,
    lines: list[str],
    number: int,
    indicator_lines: list[int],
    ctx: Context,
    own: set[str] | frozenset[str],
) -> Iterator[Event | str]:
    urls = [i.value for i in items if i.kind == "url"]
    ips = [i for i in items if i.kind == "ip" and allowed_ip(i.value, ctx) is not None]
    if pair is None:
        if ips or any(allowed_url(u, own) for u in urls):
            yield UNCLASSIFIED
        return
    time = time_near(lines, number, indicator_lines)
    time_field = "time written in the complaint" if time else None
    evidence = f"text line {number + 1}"
    line_ip = allowed_ip(ips[0].value, ctx) if ips else None
    emitted = False
    if pair[0] in URL_KINDS:
        for url in filter(None, (allowed_url(u, own) for u in urls)):
            event = ctx.event(
                *pair, url=url, ip=line_ip, evidence=evidence, time=time, time_field=time_field
            )
            if event is not None:
                emitted = True
                yield event
    if emitted:
        return
    for item in ips:
        event = ctx.event(
            *pair,
            ip=allowed_ip(item.value, ctx),
            port=item.port,
            evidence=evidence,
            time=time,
            time_field=time_field,
        )
        if event is not None:
            yield event


def fold(events: list[Event], stated: list[datetime]) -> list[Event]:
    """One event per offender and kind (the rules in the module docstring)."""
    merged = _same_offender(events)
    merged = _address_into_url(merged)
    merged = _lone_url_and_address(merged)
    times = set(stated)
    if len(times) == 1:
        (moment,) = times
        merged = [
            e
            if e.time_source is TimeSource.REPORT
            else replace(
                e,
                event_time=moment,
                time_source=TimeSource.REPORT,
                time_field="time stated in the complaint",
            )
            for e in merged
        ]
    return merged


def _written(event: Event) -> bool:
    return event.time_source is TimeSource.REPORT


def _same_offender(events: list[Event]) -> list[Event]:
    """Group mentions of one offender: a URL with its kind, else the address (and port).

    A mention without a port joins the mentions of the same address with one: the prose
    names the host, the log line its port.
    """
    ports: dict[tuple[object, ...], set[int]] = {}
    for event in events:
        if not event.url and event.port is not None:
            key = (event.category, event.type, event.ip, event.domain)
            ports.setdefault(key, set()).add(event.port)
    groups: dict[tuple[object, ...], list[Event]] = {}
    for event in events:
        known = ports.get((event.category, event.type, event.ip, event.domain), set())
        if not event.url and event.port is None and len(known) == 1:
            event = replace(event, port=next(iter(known)))
        where = (event.url,) if event.url else (event.ip, event.port, event.domain)
        groups.setdefault((event.category, event.type, *where), []).append(event)
    out = []
    for group in groups.values():
        dated = [(e.event_time, e) for e in group if _written(e) and e.event_time is not None]
        best = min(dated, key=lambda timed: timed[0])[1] if dated else group[0]
        if len(group) > 1:
            best = replace(
                best,
                ip=best.ip or next((e.ip for e in group if e.ip is not None), None),
                email=best.email or next((e.email for e in group if e.email), None),
                details={**best.details, "mentions": str(len(group))},
            )
        out.append(best)
    return out


def _address_into_url(events: list[Event]) -> list[Event]:
    def kind_ip(event: Event) -> tuple[object, ...]:
        return (event.category, event.type, event.ip)

    hosts = {kind_ip(e) for e in events if e.url and e.ip is not None}
    hosted = [e for e in events if not e.url and not e.domain and kind_ip(e) in hosts]
    out = []
    for event in (e for e in events if not any(e is h for h in hosted)):
        if event.url and event.ip is not None and not _written(event):
            dated = next((h for h in hosted if kind_ip(h) == kind_ip(event) and _written(h)), None)
            event = _dated_like(event, dated) if dated is not None else event
        out.append(event)
    return out


def _lone_url_and_address(events: list[Event]) -> list[Event]:
    out = list(events)
    for pair in {(e.category, e.type) for e in events}:
        urls = [e for e in out if (e.category, e.type) == pair and e.url and e.ip is None]
        ips = [
            e
            for e in out
            if (e.category, e.type) == pair and e.ip is not None and not e.url and not e.domain
        ]
        if len(urls) == 1 and len(ips) == 1:
            url, address = urls[0], ips[0]
            joined = replace(url, ip=address.ip)
            if _written(address) and not _written(url):
                joined = _dated_like(joined, address)
            out[out.index(url)] = joined
            out.remove(address)
    return out


def _dated_like(event: Event, source: Event) -> Event:
    return replace(
        event,
        event_time=source.event_time,
        time_source=source.time_source,
        time_field=source.time_field,
    )
