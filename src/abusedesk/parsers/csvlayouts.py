"""The CSV layouts abusedesk reads: where each dialect keeps the offender, the port, the time
and the kind of abuse.

Each layout is a mapping table, not code (the IntelMQ way): AbuseHUB, Spamhaus CERT, a
generic layout of column aliases (``ip``/``src_ip``/``source_ip``, ``port``/``src_port``,
``timestamp``, ``source time`` ..., and IntelMQ's ``source.ip``/``time.source``), and the
destination columns of a C&C server list. ``choose_layout`` picks one by a header's column
names, spelled as ``column`` folds them; ``csvfeeds`` reads the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Spamhaus CERT ``botname`` values that are not bots, and their kinds.
SPAMHAUS_NAMES: dict[str, tuple[str, str]] = {
    "openrelay": ("vulnerability", "open_service"),
    "proxyget": ("vulnerability", "open_service"),
    "sshauth": ("connection", "login_attack"),
    "telnetauth": ("connection", "login_attack"),
    "smtpauth": ("connection", "login_attack"),
    "imap": ("connection", "login_attack"),
    "iotrdp": ("connection", "login_attack"),
    "w_wplogin": ("connection", "login_attack"),
    "wpscanner": ("connection", "vulnerability_scan"),
    "iotscan": ("connection", "port_scan"),
    "l_spamlink": ("messaging", "spam"),
    "authspoofbadehlo": ("messaging", "spam"),
    "extortion": ("messaging", "spam"),
    "misc": ("reputation", "threat_intelligence"),
}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a CSV dialect keeps each field; ``None`` for absent ones."""

    name: str
    ip: tuple[str, ...]
    port: tuple[str, ...] = ()
    url: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    time: tuple[str, ...] = ()
    date_time: tuple[str, str] | None = None  # separate date and time columns
    kind: tuple[str, ...] = ()
    zone: str | None = None  # IANA zone of zone-less times; UTC when None
    #: Columns naming a malware family: a value there that no vocabulary knows still says
    #: the host is infected (CERT-Bund ``malware``: ``gozi``).
    infection: tuple[str, ...] = ()


ABUSEHUB = Layout(
    "abusehub",
    ip=("src_ip",),
    port=("src_port",),
    url=("src_url",),
    host=("src_hostname",),
    email=("src_email",),
    date_time=("event_date", "event_time"),
    kind=("report_type", "infection_type"),
    zone="Europe/Amsterdam",
)
SPAMHAUS_CERT = Layout(
    "spamhaus-cert", ip=("ip",), port=("local_port",), time=("lastseen",), kind=("botname",)
)
GENERIC = Layout(
    "csv",
    ip=(
        "ip",
        "src_ip",
        "source_ip",
        "ip_address",
        "ipaddress",
        "source",
        "src",
        "saddr",
        "address",
        "offender",
        "source.ip",
    ),
    port=("port", "src_port", "source_port", "srcport", "source.port"),
    url=("url", "uri", "src_url", "source.url"),
    host=("hostname", "domain", "fqdn", "host", "domain_name", "source.fqdn"),
    email=("email", "src_email", "sender"),
    time=(
        "timestamp",
        "time",
        "date",
        "datetime",
        "event_time",
        "first_seen",
        "firstseen",
        # when the source saw the event (CERT-EU, IntelMQ), not when it was fetched; after
        # first_seen, which is no later
        "source_time",
        "time_source",
        "time.source",
        "last_seen",
        "lastseen",
        "seen",
        "dateadded",
        "date_added",
        "utc",
    ),
    kind=(
        "classification.type",
        "category",
        "classification",
        "type",
        "report_type",
        "report",
        "infection",
        "threat",
        "tag",
    ),
    infection=("malware", "malware_family", "infection", "botnet", "family", "malware.name"),
)
#: A list of botnet C&C servers (abuse.ch Feodo Tracker) names them in a destination column
#: (``DstIP``): the address infected hosts connect to. Only such a list makes that column the
#: offender; anywhere else the destination is the sinkhole, the sensor or the victim.
C2_LIST = Layout(
    "csv",
    ip=("dstip", "dst_ip", "destination_ip", "dest_ip", "c2_ip", "cnc_ip"),
    port=("dstport", "dst_port", "destination_port", "dest_port", "c2_port"),
    url=(),
    time=GENERIC.time,
    kind=GENERIC.kind,
    infection=GENERIC.infection,
)
#: Words that say a report lists command-and-control servers.
C2_WORDS = re.compile(
    r"(?<![\w-])(?:c2|c&c|cnc|command[- ]?(?:and|&)[- ]?control|botnet[- ]controllers?)"
    r"(?![\w-])",
    re.I,
)
#: Columns that name an offender in one layout or another: a header row needs one of them.
OFFENDER_COLUMNS = frozenset(GENERIC.ip) | frozenset(GENERIC.url) | frozenset(C2_LIST.ip)


def column(name: str) -> str:
    """A column name as the layouts spell it: lower case, notes in brackets dropped, ``_``
    for spaces (``Source Port`` is ``source_port``)."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip().strip("#;\"' ").strip().lower()
    return re.sub(r"\s+", "_", name)


def choose_layout(columns: list[str], *, c2: bool = False) -> Layout | None:
    """The layout of a header; ``c2`` when the report says it lists C&C servers."""
    names = set(columns)
    if {"src_ip", "event_date", "event_time", "report_type"} <= names:
        return ABUSEHUB
    if {"ip", "lastseen", "botname"} <= names:
        return SPAMHAUS_CERT
    if names & set(GENERIC.ip) or names & set(GENERIC.url):
        return GENERIC
    if c2 and names & set(C2_LIST.ip):
        return C2_LIST
    return None


def names_c2(*texts: str | None) -> bool:
    """Whether a report's words (subject, file name, comment lines) say it lists C&C servers."""
    return any(C2_WORDS.search(re.sub(r"[_.]+", " ", text)) for text in texts if text)
