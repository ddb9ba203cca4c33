"""Shadowserver CSV reports to normalised events, one per row, driven by the pinned table.

The report type (from the file name, else the header) says which column holds the offender's
address, port, name, URL or e-mail address, the time, and which columns are worth keeping;
the header of the file says where those columns are. Both are resolved once per file into a
``_Plan`` of column indexes, so the per-row work is list indexing, one address parse, one
time parse and one ``Event``. Classification to policy clauses is looked up once per
category/type pair, not per row; when the policy declares a category not a violation, or the
row names a victim, ``details["not_a_violation"]`` says why the event has no clause.

Row-level damage (an address that does not parse, a time that is not a time) never drops
the row: the event keeps what did parse and carries the raw value in ``details`` under
``invalid_<field>``. Damage to the file itself (not UTF-8 text, no header, unknown report,
text the CSV reader cannot split, too many rows) raises ``ParseError`` or
``InputLimitExceeded`` with the reason, so the report is quarantined whole.
"""

from __future__ import annotations

import csv
import io
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv6Address, ip_network

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import (
    VICTIM_REASON,
    Event,
    EventRole,
    IPAddress,
    TimeSource,
    classify_pair,
)
from abusedesk.domain.policy import Policy
from abusedesk.parsers.shadowserver.mapping import (
    ReportType,
    ReportTypes,
    builtin_report_types,
    report_name_from_filename,
)

REPORTER = "Shadowserver"
#: Largest CSV accepted (the zip inflation bound of the mail parsers is 64 MiB too).
MAX_CSV_BYTES = 64 * 1024 * 1024
#: Most data rows turned into events from one file.
MAX_ROWS = 500_000
MAX_COLUMNS = 1000

_EMPTY = frozenset({"", "-"})
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
_REQUEST_LINE = re.compile(r"^[A-Z]{3,8} (\S+)(?: HTTP/\d(?:\.\d)?)?$")
_inet_pton = socket.inet_pton
_AF_INET, _AF_INET6 = socket.AF_INET, socket.AF_INET6
_fromisoformat = datetime.fromisoformat
_REPORT = TimeSource.REPORT


def parse_csv(data: bytes, *, filename: str | None, received_at: datetime,
              policy: Policy | None = None, max_rows: int = MAX_ROWS,
              report_types: ReportTypes | None = None) -> list[Event]:
    """Turn one Shadowserver CSV report (plain, already unzipped bytes) into events.

    ``filename`` (the attachment's name) picks the report type; without it, or when it names
    no known type, the header must identify one unambiguously. ``received_at`` is the event
    time of rows whose ``timestamp`` cannot be read. With a ``policy``, each event carries
    the clauses its category maps to (victim rows map to none). Raises ``ParseError`` for an
    unknown report type, a bad header or text that is not CSV, ``InputLimitExceeded`` past
    ``MAX_CSV_BYTES`` or ``max_rows``.
    """
    if len(data) > MAX_CSV_BYTES:
        raise InputLimitExceeded(f"Shadowserver CSV is {len(data)} bytes; the limit is "
                                 f"{MAX_CSV_BYTES}")
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise ParseError("Shadowserver CSV is empty (no header line)") from None
    except csv.Error as exc:
        raise ParseError(f"Shadowserver CSV header is not valid CSV ({exc})") from None
    if len(header) > MAX_COLUMNS:
        raise InputLimitExceeded(f"Shadowserver CSV has {len(header)} columns; at most "
                                 f"{MAX_COLUMNS}")
    table = report_types or builtin_report_types()
    report_type = _recognise(table, filename, header)
    plan = _Plan.compile(report_type, header, filename, policy)
    return plan.run(reader, received_at.astimezone(UTC), max_rows)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"Shadowserver CSV is not UTF-8 text (byte {exc.start} of "
                         f"{len(data)}); is it still zipped?") from None


def _recognise(table: ReportTypes, filename: str | None, header: list[str]) -> ReportType:
    found = table.by_filename(filename)
    if found is not None:
        return found
    try:
        return table.by_header(header)
    except ParseError as exc:
        named = report_name_from_filename(filename)
        if named:
            raise ParseError(f"unknown Shadowserver report type {named!r} (from file name "
                             f"{filename!r}); {exc.reason}") from None
        raise


def _index(header: list[str], candidates: Iterable[str]) -> int | None:
    for column in candidates:
        if column in header:
            return header.index(column)
    return None


@dataclass(slots=True)
class _Plan:
    """Column indexes and constant parts of the events of one file."""

    report_type: ReportType
    source: str
    report_id: str | None
    width: int
    time: int
    time_name: str
    ip: int | None
    port: int | None
    hostname: int | None
    url: int | None
    url_host: int | None
    email: int | None
    asn: int | None
    details: tuple[tuple[str, int], ...]
    static_details: Mapping[str, str]
    variant: tuple[int, str, str, str, str] | None
    clauses: dict[tuple[str, str, str], tuple[tuple[str, ...], str | None]]
    policy: Policy | None
    role: EventRole

    @classmethod
    def compile(cls, report_type: ReportType, header: list[str], filename: str | None,
                policy: Policy | None) -> _Plan:
        columns = report_type.columns
        found = {kind: _index(header, names) for kind, names in columns.items()}
        label = filename.replace("\\", "/").rsplit("/", 1)[-1] if filename else None
        time_index = found.get("time")
        if time_index is None:
            raise ParseError(f"bad header for Shadowserver report {report_type.name!r}: no "
                             f"{'/'.join(columns.get('time', ('timestamp',)))} column")
        if all(found.get(kind) is None for kind in ("ip", "hostname", "url", "email")):
            wanted = sorted({c for k in ("ip", "hostname", "url", "email")
                             for c in columns.get(k, ())})
            raise ParseError(f"bad header for Shadowserver report {report_type.name!r}: none "
                             f"of the offender columns ({', '.join(wanted)}) is present")
        used = {i for i in found.values() if i is not None}
        details = tuple((name, header.index(name)) for name in report_type.details
                        if name in header and header.index(name) not in used)
        role = EventRole.VICTIM if report_type.victim else EventRole.OFFENDER
        # "amplifier" refines the offender role for open reflectors: the host to fix.
        detail_role = "amplifier" if report_type.amplifier else role.value
        variant = None
        for candidate in report_type.variants:
            if candidate.column in header:
                variant = (header.index(candidate.column), candidate.contains,
                           candidate.category, candidate.type, candidate.rsit)
                break
        return cls(
            report_type=report_type,
            source=label or f"Shadowserver {report_type.name} CSV",
            report_id=label[:-4] if label and label.lower().endswith(".csv") else label,
            width=len(header),
            time=time_index, time_name=header[time_index],
            ip=found.get("ip"), port=found.get("port"),
            hostname=found.get("hostname"), url=found.get("url"),
            url_host=found.get("url_host"), email=found.get("email"), asn=found.get("asn"),
            details=details,
            static_details={"report_type": report_type.name, "role": detail_role}, role=role,
            variant=variant, clauses={}, policy=policy,
        )

    def classify(self, category: str, type_: str,
                 rsit: str) -> tuple[tuple[str, ...], str | None]:
        """Clauses (or the reason there are none), asked of the policy once per file and pair."""
        key = (category, type_, rsit)
        found = self.clauses.get(key)
        if found is None:
            if self.policy is None:
                found = ((), VICTIM_REASON if self.role is EventRole.VICTIM else None)
            else:
                result = classify_pair(self.policy, category, type_, rsit=rsit, role=self.role)
                found = (result.clause_ids, result.not_a_violation)
            self.clauses[key] = found
        return found

    def run(self, reader: Iterable[list[str]], received_at: datetime,
            max_rows: int) -> list[Event]:
        rt = self.report_type
        width, detail_columns, static = self.width, self.details, self.static_details
        time_i, ip_i, port_i, asn_i = self.time, self.ip, self.port, self.asn
        host_i, url_i, email_i = self.hostname, self.url, self.email
        category, type_, rsit = rt.category, rt.type, rt.rsit
        clause_ids, reason = self.classify(category, type_, rsit)
        source, report_id, variant = self.source, self.report_id, self.variant
        time_name = self.time_name
        events: list[Event] = []
        append = events.append
        number = 0
        try:
            for row in reader:
                malformed = None
                if len(row) != width or not row[0]:
                    if not any(row):
                        continue  # a blank line (or one of empty cells) is no row
                    # Shadowserver drops trailing empty fields now and then; a longer row
                    # may be shifted, so its event says so.
                    if len(row) > width:
                        malformed = f"{len(row)} fields, the header has {width}"
                    elif len(row) < width:
                        row.extend([""] * (width - len(row)))
                number += 1
                if number > max_rows:
                    raise InputLimitExceeded(f"{source} has more than {max_rows} rows")
                details = dict(static)
                if malformed is not None:
                    details["malformed_row"] = malformed
                for name, index in detail_columns:
                    value = row[index]
                    if value not in _EMPTY:
                        details[name] = value
                event_time, time_source = _event_time(row[time_i], received_at, details)
                ip = _address(row[ip_i], details) if ip_i is not None else None
                port = _port(row[port_i], details) if port_i is not None else None
                if asn_i is not None and row[asn_i] not in _EMPTY and row[asn_i] != "0":
                    details["asn"] = row[asn_i]
                url = domain = email = None
                if host_i is not None:
                    domain, url = _hostname(row[host_i], details)
                if url_i is not None and row[url_i] not in _EMPTY:
                    url = self._url(row[url_i], row, ip, details) or url
                if email_i is not None and "@" in row[email_i]:
                    email = row[email_i].strip()
                if variant is not None and variant[1] in row[variant[0]]:
                    category_now, type_now, rsit_now = variant[2], variant[3], variant[4]
                    clauses_now, reason_now = self.classify(category_now, type_now, rsit_now)
                else:
                    category_now, type_now, rsit_now = category, type_, rsit
                    clauses_now, reason_now = clause_ids, reason
                if reason_now is not None:
                    details["not_a_violation"] = reason_now
                append(Event(
                    category=category_now, type=type_now, event_time=event_time,
                    time_source=time_source, ip=ip, port=port, url=url, domain=domain,
                    email=email, reporter=REPORTER, report_id=report_id, rsit_type=rsit_now,
                    evidence=f"{source} row {number}", details=details, clause_ids=clauses_now,
                    time_field=time_name if time_source is _REPORT else None, role=self.role,
                ))
        except csv.Error as exc:
            raise ParseError(f"{source} row {number + 1} is not valid CSV ({exc})") from None
        return events

    def _url(self, value: str, row: list[str], ip: IPAddress | None,
             details: dict[str, str]) -> str | None:
        value = value.strip()
        if "://" in value:
            return value
        # Some reports split a URL into host and path, and some write the path as the
        # request line ("GET /x HTTP/1.1"); put it back together from the host column.
        match = _REQUEST_LINE.match(value)
        path = match.group(1) if match else value
        host = row[self.url_host].strip() if self.url_host is not None else ""
        if host in _EMPTY and ip is not None:
            host = str(ip) if ip.version == 4 else f"[{ip}]"
        if host in _EMPTY or not path.startswith("/"):
            details["invalid_url"] = value
            return None
        scheme = details.get("application", "http")
        return f"{scheme if scheme in ('http', 'https') else 'http'}://{host}{path}"


def _event_time(value: str, received_at: datetime,
                details: dict[str, str]) -> tuple[datetime, TimeSource]:
    # Shadowserver writes UTC without a zone; parsing with the zone appended is the fast
    # path (ten times cheaper than attaching it afterwards).
    try:
        return _fromisoformat(value + "+00:00"), TimeSource.REPORT
    except ValueError:
        pass
    try:
        moment = _fromisoformat(value)
    except ValueError:
        if value:
            details["invalid_timestamp"] = value
        return received_at, TimeSource.RECEIVED
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), TimeSource.REPORT
    return moment.astimezone(UTC), TimeSource.REPORT


def _address(value: str, details: dict[str, str]) -> IPAddress | None:
    if not value:
        return None
    # inet_pton is strict (no leading zeros, no short forms) and four times faster than
    # parsing the text in ipaddress; the text parser remains for what it rejects (scopes).
    try:
        if ":" in value:
            return IPv6Address(_inet_pton(_AF_INET6, value))
        return IPv4Address(_inet_pton(_AF_INET, value))
    except (OSError, ValueError):
        pass
    try:
        return IPv6Address(value) if ":" in value else IPv4Address(value)
    except ValueError:
        pass
    if "/" in value:  # blocklists list whole networks in the address column
        try:
            network = ip_network(value, strict=False)
        except ValueError:
            pass
        else:
            if network.num_addresses == 1:
                return network.network_address
            details["network"] = str(network)
            return None
    details["invalid_ip"] = value
    return None


def _port(value: str, details: dict[str, str]) -> int | None:
    if not value or value == "0":
        return None
    if value.isascii() and value.isdigit() and int(value) <= 65535:  # "²" is a digit too
        return int(value)
    details["invalid_port"] = value
    return None


def _hostname(value: str, details: dict[str, str]) -> tuple[str | None, str | None]:
    """An offender name column: a host name, or (``ransomware_victim``) a whole URL."""
    name = value.strip().lower().rstrip(".")
    if name in _EMPTY:
        return None, None
    url = None
    if "://" in name:
        url = value.strip()
        name = name.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    if _HOSTNAME.match(name):
        return name, url
    try:  # an address where a name was expected is not an error, just not a name
        IPv6Address(name) if ":" in name else IPv4Address(name)
    except ValueError:
        details["invalid_hostname"] = value
    return None, url
