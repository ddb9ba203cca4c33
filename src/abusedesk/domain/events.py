"""Normalised events: one offender, one kind of abuse, one moment, with where each came from.

Parsers turn a complaint into events; classification adds the clauses; resolution adds the
customer. The vocabulary of ``category``/``type`` is XARF v4 (see ``XARF_TYPES``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Address, IPv6Address

from abusedesk.domain.policy import Classification, Policy

IPAddress = IPv4Address | IPv6Address

#: The 32 category/type pairs of XARF v4.
XARF_TYPES: Mapping[str, tuple[str, ...]] = {
    "connection": (
        "ddos", "infected_host", "login_attack", "port_scan", "reconnaissance", "scraping",
        "sql_injection", "vulnerability_scan",
    ),
    "content": (
        "brand_infringement", "csam", "csem", "exposed_data", "fraud", "malware", "phishing",
        "remote_compromise", "suspicious_registration",
    ),
    "copyright": ("copyright", "cyberlocker", "link_site", "p2p", "ugc_platform", "usenet"),
    "infrastructure": ("botnet", "compromised_server"),
    "messaging": ("bulk_messaging", "spam"),
    "reputation": ("blocklist", "threat_intelligence"),
    "vulnerability": ("cve", "misconfiguration", "open_service"),
}

#: The classification types of the ENISA RSIT taxonomy as IntelMQ 3 uses them.
RSIT_TYPES: tuple[str, ...] = (
    "application-compromise", "blacklist", "brute-force", "burglary", "c2-server", "copyright",
    "data-leak", "data-loss", "ddos", "ddos-amplifier", "dga-domain", "dos", "exploit",
    "harmful-speech", "ids-alert", "infected-system", "information-disclosure", "malware",
    "malware-configuration", "malware-distribution", "masquerade", "misconfiguration", "other",
    "outage", "phishing", "potentially-unwanted-accessible", "privileged-account-compromise",
    "proxy", "sabotage", "scanner", "sniffing", "social-engineering", "spam",
    "system-compromise", "test", "tor", "unauthorised-information-access",
    "unauthorised-information-modification", "unauthorized-use-of-resources", "undetermined",
    "unprivileged-account-compromise", "violence", "vulnerable-system", "weak-crypto",
)


#: The RSIT classification type closest to an XARF v4 pair, for events whose report names no
#: RSIT type itself. Pairs without an RSIT type that means the same (scraping, fraud, bulk
#: mail, suspicious registrations) are left out rather than approximated: a policy maps RSIT
#: types to clauses too, and an approximation would add a clause the conduct does not break.
RSIT_FOR_XARF: Mapping[str, str] = {
    "connection/ddos": "ddos",
    "connection/infected_host": "infected-system",
    "connection/login_attack": "brute-force",
    "connection/port_scan": "scanner",
    "connection/reconnaissance": "scanner",
    "connection/sql_injection": "exploit",
    "connection/vulnerability_scan": "scanner",
    "content/brand_infringement": "masquerade",
    "content/csam": "violence",
    "content/csem": "violence",
    "content/exposed_data": "data-leak",
    "content/malware": "malware-distribution",
    "content/phishing": "phishing",
    "content/remote_compromise": "system-compromise",
    "copyright/copyright": "copyright",
    "copyright/cyberlocker": "copyright",
    "copyright/link_site": "copyright",
    "copyright/p2p": "copyright",
    "copyright/ugc_platform": "copyright",
    "copyright/usenet": "copyright",
    "infrastructure/botnet": "infected-system",
    "infrastructure/compromised_server": "system-compromise",
    "messaging/spam": "spam",
    "reputation/blocklist": "blacklist",
    "reputation/threat_intelligence": "undetermined",
    "vulnerability/cve": "vulnerable-system",
    "vulnerability/misconfiguration": "misconfiguration",
    "vulnerability/open_service": "vulnerable-system",
}

class EventRole(StrEnum):
    """What the address of an event did: the offence, or suffered it."""

    OFFENDER = "offender"
    #: Attacked, not attacking: the spoofed source of an amplification attack, the target of
    #: a DDoS. A victim is told, never held to a clause.
    VICTIM = "victim"


VICTIM_REASON = "the listed address is the victim of the reported activity, not its source"


class TimeSource(StrEnum):
    """Where an event's time was read from, best first."""

    REPORT = "report"  # a field of the report itself (ARF Arrival-Date, XARF Date, CSV column)
    MAIL_DATE = "mail-date"  # the Date header of the complaint mail
    RECEIVED = "received"  # when abusedesk received the complaint


@dataclass(frozen=True, slots=True)
class Event:
    """One offender doing one kind of abuse at one time, as a report describes it."""

    category: str
    type: str
    event_time: datetime | None
    time_source: TimeSource
    ip: IPAddress | None = None
    port: int | None = None
    url: str | None = None
    domain: str | None = None
    email: str | None = None
    reporter: str | None = None
    report_id: str | None = None
    rsit_type: str | None = None
    evidence: str | None = None  # where in the complaint: "part 2", "report.csv row 17"
    details: Mapping[str, str] = field(default_factory=dict)
    clause_ids: tuple[str, ...] = ()
    #: The field the time was read from ("Arrival-Date", "Received header", "Date header" ...),
    #: finer than ``time_source``; shown to analysts who question a time.
    time_field: str | None = None
    role: EventRole = EventRole.OFFENDER

    def with_clauses(self, clause_ids: tuple[str, ...]) -> Event:
        return replace(self, clause_ids=clause_ids)

    @property
    def xarf_pair(self) -> str:
        """``category/type`` as policies spell it (``messaging/spam``)."""
        return f"{self.category}/{self.type}"

    def identity(self) -> tuple[object, ...]:
        """What makes two events the same observation: offender, kind and time.

        Used to fold duplicates that one complaint repeats (two attachments describing the
        same hit, an HTML and a text rendering of one notice).
        """
        return (self.ip, self.port, self.url, self.domain, self.email, self.category,
                self.type, self.event_time)

    @property
    def offender(self) -> str | None:
        """The resource that did it, most specific first: ip, url, domain, e-mail address."""
        for value in (self.ip, self.url, self.domain, self.email):
            if value is not None:
                return str(value)
        return None


def classify_pair(policy: Policy, category: str, type_: str, *, rsit: str | None,
                  role: EventRole) -> Classification:
    """The clauses a kind of event breaks under ``policy``; a victim breaks none."""
    if role is EventRole.VICTIM:
        return Classification((), VICTIM_REASON)
    return policy.classify(category, type_, rsit=rsit)


def classify_event(event: Event, policy: Policy) -> Event:
    """The event with the clause ids it maps to under ``policy``.

    When it maps to none for a stated reason (a notice, a victim), the reason is kept in
    ``details["not_a_violation"]`` so an analyst sees why no clause applies.
    """
    found = classify_pair(policy, event.category, event.type, rsit=event.rsit_type,
                          role=event.role)
    details = event.details
    if found.not_a_violation is not None:
        details = {**details, "not_a_violation": found.not_a_violation}
    elif "not_a_violation" in details:
        details = {k: v for k, v in details.items() if k != "not_a_violation"}
    return replace(event, clause_ids=found.clause_ids, details=details)
