"""ENISA RSIT classification types (as IntelMQ and Shadowserver write them) to XARF v4 pairs.

CERT feeds name their kind of abuse by an RSIT ``classification.type``: IntelMQ events,
CSV columns named after IntelMQ's fields, Shadowserver's schema. ``rsit_type`` reads the
spellings they use (IntelMQ 2 names, Shadowserver's own) into the vocabulary, and
``rsit_pair`` maps a type through the one table, ``RSIT_TO_XARF``, so that every path gives
the same pair for the same type (an ``infected-system`` is an ``infrastructure/botnet`` host
however it arrives, as are the ``bots`` and ``drone`` of the older word tables).
"""

from __future__ import annotations

from abusedesk.domain.events import RSIT_TYPES
from abusedesk.parsers.taxonomy import Pair, fold

#: ENISA RSIT classification type (as IntelMQ 3 spells it) -> XARF v4 "category/type". The
#: reverse of ``domain.events.RSIT_FOR_XARF`` where that is one-to-one; Shadowserver reports
#: refine three types (``shadowserver.rules.RSIT_TO_XARF``). Types that name no conduct a
#: provider can act on (``other``, ``undetermined``, ``ids-alert``) are threat intelligence;
#: the event keeps its RSIT type, and the policy decides by it too.
RSIT_TO_XARF: dict[str, str] = {
    "application-compromise": "infrastructure/compromised_server",
    "blacklist": "reputation/blocklist",
    "brute-force": "connection/login_attack",
    "c2-server": "infrastructure/botnet",
    "copyright": "copyright/copyright",
    "data-leak": "content/exposed_data",
    "ddos": "connection/ddos",
    # An open reflector: a service to close, not an attack it made.
    "ddos-amplifier": "vulnerability/open_service",
    "dga-domain": "infrastructure/botnet",
    "dos": "connection/ddos",
    "exploit": "connection/vulnerability_scan",
    "ids-alert": "reputation/threat_intelligence",
    # XARF v4 infrastructure/botnet is "botnet infections and compromised systems" (malware
    # family, the C2 server the bot talks to): what a sinkhole or a CERT's infected-system
    # event reports. connection/infected_host is for the traffic such a host was seen sending.
    "infected-system": "infrastructure/botnet",
    "information-disclosure": "vulnerability/misconfiguration",
    "malware": "content/malware",
    "malware-configuration": "content/malware",
    "malware-distribution": "content/malware",
    "masquerade": "content/brand_infringement",
    "misconfiguration": "vulnerability/misconfiguration",
    "other": "reputation/threat_intelligence",
    "phishing": "content/phishing",
    "potentially-unwanted-accessible": "vulnerability/open_service",
    "privileged-account-compromise": "infrastructure/compromised_server",
    "proxy": "vulnerability/open_service",
    "scanner": "connection/port_scan",
    "sniffing": "connection/reconnaissance",
    "social-engineering": "content/fraud",
    "spam": "messaging/spam",
    "system-compromise": "infrastructure/compromised_server",
    "tor": "vulnerability/open_service",
    "undetermined": "reputation/threat_intelligence",
    "unprivileged-account-compromise": "infrastructure/compromised_server",
    "vulnerable-system": "vulnerability/open_service",
    "weak-crypto": "vulnerability/misconfiguration",
}

#: Spellings of RSIT types that differ from the vocabulary: Shadowserver's schema and the
#: names of IntelMQ before 3.0 (``botnet drone``, ``c2server``, ``vulnerable service``).
RSIT_SPELLINGS: dict[str, str] = {
    "blocklist": "blacklist",
    "backdoor": "system-compromise",
    "botnet-drone": "infected-system",
    "c2server": "c2-server",
    "compromised": "system-compromise",
    "defacement": "system-compromise",
    "leak": "data-leak",
    "ransomware": "infected-system",
    "unauthorized-login": "system-compromise",
    "unauthorized-command": "system-compromise",
    "unknown": "undetermined",
    "vulnerable-client": "vulnerable-system",
    "vulnerable-service": "vulnerable-system",
}


def rsit_type(name: str | None) -> str | None:
    """The RSIT classification type a report names (``botnet drone`` -> ``infected-system``),
    or None when ``name`` is not one."""
    if not name:
        return None
    folded = fold(name)
    folded = RSIT_SPELLINGS.get(folded, folded)
    return folded if folded in RSIT_TYPES else None


def rsit_pair(name: str | None) -> Pair | None:
    """The XARF v4 pair of an RSIT classification type, through ``RSIT_TO_XARF``."""
    found = RSIT_TO_XARF.get(rsit_type(name) or "")
    if found is None:
        return None
    category, type_ = found.split("/")
    return category, type_
