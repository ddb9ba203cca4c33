"""What abusedesk knows about Shadowserver reports beyond what their schema says.

Shadowserver publishes, per report type, the CSV columns and an ENISA RSIT classification.
It does not say which XARF v4 category a report belongs to, which column names the host a
provider must act on when that is not the listed source, or which of its reports name a
victim rather than an offender. Those judgements live here, as data the generator
(``abusedesk.parsers.shadowserver.generate``) applies to every report type, including ones a
refreshed schema adds later: rules match report names with shell-style patterns, so a new
``scan6_*`` or ``event6_*`` variant inherits the rules of its IPv4 sibling.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from abusedesk.parsers import rsit

#: RSIT classification type -> XARF v4 "category/type", the default for a report type: the
#: shared table (``rsit.RSIT_TO_XARF``) with Shadowserver's own use of three types.
RSIT_TO_XARF: Mapping[str, str] = {
    **rsit.RSIT_TO_XARF,
    # IP spoofing: the network lets forged source addresses out (no BCP 38 filtering).
    "masquerade": "vulnerability/misconfiguration",
    # "other" is what Shadowserver gives its "accessible service" census reports.
    "other": "vulnerability/open_service",
    # Device identification reports say what runs on an address; exposure, not an attack.
    "undetermined": "vulnerability/open_service",
}

#: Spellings in Shadowserver's schema that differ from the RSIT vocabulary.
RSIT_SPELLINGS: Mapping[str, str] = rsit.RSIT_SPELLINGS

#: Report name pattern -> XARF v4 "category/type", overriding the RSIT default. First match wins.
XARF_OVERRIDES: tuple[tuple[str, str], ...] = (
    # A website hosting injected content is a compromised site, not a compromised server.
    ("compromised_website*", "content/remote_compromise"),
    # The referring page sends visitors to a sinkholed malware domain: an injected website.
    ("event?_sinkhole_http_referer", "content/remote_compromise"),
    # Shadowserver classes it "other"; the listed host looked up a sinkholed botnet name.
    ("event?_sinkhole_dns", "infrastructure/botnet"),
    ("event?_honeypot_darknet", "connection/port_scan"),
    ("event?_honeypot_http_scan", "connection/vulnerability_scan"),
    # The listed source is the C2 server that ordered the attack the honeypot bots received.
    ("event?_honeypot_ddos", "infrastructure/botnet"),
    ("scan*_post_exploitation_framework", "infrastructure/botnet"),
    ("scan*_synfulknock", "infrastructure/compromised_server"),
    ("scan*_*_vulnerable", "vulnerability/cve"),
    ("scan*_exchange", "vulnerability/cve"),
    # Malware looked these names up in a sandbox: intelligence about the name, not an attack.
    ("sandbox_dns", "reputation/threat_intelligence"),
)

#: Report name pattern -> RSIT type, for reports whose schema gives no classification.
RSIT_FALLBACKS: tuple[tuple[str, str], ...] = (
    ("scan*_exchange", "vulnerable-system"),
)

#: Reports whose listed address is the victim of an attack, not its origin. The offender is
#: not in the report (for amplification it is a Shadowserver honeypot acting as reflector;
#: the source address was spoofed to be the victim's), so these rows describe harm done to a
#: customer: abusedesk keeps the victim address (to tell the customer) but classifies the
#: event to no clause.
VICTIM_REPORTS: tuple[str, ...] = ("event?_honeypot_ddos_amp", "event?_honeypot_ddos_target")

#: Rows whose classification depends on a column: (pattern, column, substring, xarf, rsit).
ROW_VARIANTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("scan*_exchange", "tag", "webshell", "infrastructure/compromised_server", "system-compromise"),
)

#: Candidate columns per event field, best first; the first one a report has is used.
#: "hostname" is the offender's own name (Event.domain), never a reverse-DNS name.
DEFAULT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "ip": ("ip", "src_ip", "http_referer_ip"),
    "port": ("port", "src_port", "http_referer_port"),
    "asn": ("asn", "src_asn", "http_referer_asn"),
    "time": ("timestamp",),
}

#: Report name pattern -> column choices that differ from the defaults.
COLUMN_OVERRIDES: tuple[tuple[str, Mapping[str, tuple[str, ...]]], ...] = (
    ("compromised_website*", {"url": ("url",), "url_host": ("http_host",),
                              "hostname": ("http_host",)}),
    ("event?_sinkhole_http_referer", {"url": ("http_referer",)}),
    # The victim of the attack is the destination; the source is the ordering C2 server.
    ("event?_honeypot_ddos_target", {"ip": ("dst_ip",), "port": ("dst_port",),
                                     "asn": ("dst_asn",)}),
    ("malware_url", {"url": ("url",), "hostname": ("hostname", "host")}),
    ("phish_url", {"url": ("url",), "hostname": ("hostname", "host")}),
    ("spam_url", {"url": ("url",), "hostname": ("hostname", "host")}),
    ("sandbox_url", {"url": ("url",), "hostname": ("hostname", "host")}),
    ("sandbox_conn", {"hostname": ("hostname", "host")}),
    # The name malware resolved and the address it resolved to (possibly in our network).
    ("sandbox_dns", {"ip": ("response",), "hostname": ("request",)}),
    ("compromised_account", {"email": ("email",)}),
    # "website" holds a bare name or a URL; the parser tells them apart per row.
    ("ransomware_victim", {"hostname": ("website",)}),
)

#: Columns worth carrying into Event.details when a report has them (kept in report order).
DETAIL_COLUMNS: frozenset[str] = frozenset({
    "account", "amplification", "application", "attack", "category", "detail", "device_model",
    "device_type", "device_vendor", "dst_asn", "dst_hostname", "dst_ip", "dst_port", "duration",
    "family", "hostname", "http_agent", "http_host", "http_referer", "http_referer_hostname",
    "http_url", "infection", "md5", "md5hash", "min_amplification", "network", "protocol",
    "public_source", "reason", "request", "request_type", "response", "response_size", "sender",
    "servername", "service", "severity", "sha256", "source", "src_hostname", "src_ip", "src_port",
    "status", "subject", "tag", "type", "url", "username", "version",
})

#: Report types Shadowserver no longer lists but whose files still arrive in mailboxes and
#: archives: name -> the current type it behaves like, column choices of the old layout, the
#: XARF override if any, old columns worth keeping, and the old header where a published
#: sample shows it (so a relayed file with a meaningless name is still recognised). Old
#: layouts named the offender "ip".
LEGACY_REPORTS: Mapping[str, dict[str, Any]] = {
    "dns_openresolver": {
        "like": "scan_dns",
        "header": ("timestamp ip asn geo region city port protocol hostname min_amplification "
                   "dns_version p0f_genre p0f_detail"),
    },
    "botnet_drone": {
        "like": "event4_sinkhole", "columns": {"ip": ("ip",), "port": ("port",)},
        "details": ("type", "infection", "url", "agent", "cc", "cc_port", "cc_dns"),
        "header": ("timestamp ip port asn geo region city hostname type infection url agent cc "
                   "cc_port cc_asn cc_geo cc_dns count proxy application p0f_genre p0f_detail "
                   "machine_name id naics sic cc_naics cc_sic"),
    },
    "microsoft_sinkhole": {"like": "event4_microsoft_sinkhole",
                           "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                           "details": ("type", "url", "http_host", "http_agent")},
    "sinkhole_http_drone": {
        "like": "event4_sinkhole_http", "columns": {"ip": ("ip",), "port": ("src_port",)},
        "details": ("type", "url", "http_host", "http_agent"),
        "header": ("timestamp ip asn geo url type http_agent tor src_port p0f_genre p0f_detail "
                   "hostname dst_port http_host http_referer http_referer_asn http_referer_geo "
                   "dst_ip dst_asn dst_geo"),
    },
    "drone_brute_force": {"like": "event4_honeypot_brute_force",
                          "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                          "details": ("type", "application", "dst_ip", "dst_port")},
    "hp_http_scan": {"like": "event4_honeypot_http_scan",
                     "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                     "details": ("type", "url", "http_agent", "dst_ip", "dst_port")},
    "hp_ics_scan": {"like": "event4_honeypot_ics_scan",
                    "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                    "details": ("type", "dst_ip", "dst_port", "state")},
    "darknet": {"like": "event4_honeypot_darknet",
                "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                "details": ("type", "dst_port", "count")},
    "ddos_amplification": {"like": "event4_honeypot_ddos_amp",
                           "columns": {"ip": ("ip",), "port": ("src_port", "port")},
                           "details": ("tag", "dst_port", "count", "bytes")},
    "caida_ip_spoofer": {"like": "event4_ip_spoofer",
                         "columns": {"ip": ("ip",), "port": ()},
                         "details": ("routedspoof", "session", "nat", "network")},
    "outdated_dnssec_key": {"like": "scan_dns", "xarf": "vulnerability/misconfiguration",
                            "details": ("type", "query_type", "query", "response")},
    "phish_url": {"rsit": "phishing", "name": "Phishing-URL",
                  "columns": {"ip": ("ip",), "url": ("url",), "hostname": ("hostname", "host"),
                              "asn": ("asn",)},
                  "details": ("source", "tag")},
}


def first_match(name: str, rules: tuple[tuple[str, Any], ...]) -> Any | None:
    """The value of the first ``(pattern, value)`` rule whose pattern matches ``name``."""
    for pattern, value in rules:
        if fnmatchcase(name, pattern):
            return value
    return None


def is_victim_report(name: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in VICTIM_REPORTS)
