"""A provider's world for monitoring tests: customers, the zones listing some of their
addresses, a refusing zone, a dead zone, and a way to change what rbldnsd serves.

Customers (the customer import format, docs/customers.md):
  C-100 Harbour Widgets   192.0.2.0/25, 2001:db8:100::/56, harbour.example
  C-200 Lantern Security  198.51.100.128/25
  P-300 Riverbank (partner) 203.0.113.0/25; its customer P-300-01 Meadow 203.0.113.128/25

Zones (all under ``bl.test``, served by one rbldnsd):
  ``ips``      ip4set  lists 192.0.2.10 (XBL, with TXT), 203.0.113.200 (SBL), 198.18.0.5
               (nobody's address)
  ``also``     ip4trie lists 203.0.113.200/32 (so that address is on two lists)
  ``six``      ip6trie lists 2001:db8:100:7::/64
  ``names``    dnset   lists harbour.example
  ``refusing`` ip4set  answers us 127.255.255.254 (a list refusing a public resolver)
  ``dead``     ip4set  does not list its RFC 5782 test entry 127.0.0.2
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import dns.message
import dns.query
import dns.rcode

from tests.support.rbldnsd import Dataset, Rbldnsd

PROVIDER_FROM = "abuse@provider.example"
HARBOUR_REP = "abuse-desk@harbour.example"
RIVERBANK_REP = "abuse@riverbank.example"

CUSTOMERS = {
    "format": "abusedesk-customers/1",
    "customers": [
        {"ref": "C-100", "name": "Harbour Widgets Ltd", "kind": "customer",
         "representative": {"name": "Ann Harbour", "email": HARBOUR_REP},
         "assets": [{"kind": "prefix", "value": "192.0.2.0/25"},
                    {"kind": "prefix", "value": "2001:db8:100::/56"},
                    {"kind": "domain", "value": "harbour.example"}]},
        {"ref": "C-200", "name": "Lantern Security", "kind": "customer",
         "representative": {"name": "Leo Lantern", "email": "soc@lantern.example"},
         "assets": [{"kind": "prefix", "value": "198.51.100.128/25"}]},
        {"ref": "P-300", "name": "Riverbank Resellers", "kind": "partner",
         "representative": {"name": "Rita River", "email": RIVERBANK_REP},
         "assets": [{"kind": "prefix", "value": "203.0.113.0/25"}]},
        {"ref": "P-300-01", "name": "Meadow Florists", "kind": "customer", "parent": "P-300",
         "representative": {"name": "Mia Meadow", "email": "mia@meadow.example"},
         "assets": [{"kind": "prefix", "value": "203.0.113.128/25"}]},
    ],
}

#: Addresses the customer sweep asks: four /25s (IPv4 zones) and 256 /64s (IPv6 zone).
IPV4_SWEPT = 4 * 128
IPV6_SWEPT = 256

IPS_HEADER = (":127.0.0.2:Listed in ips, see https://bl.test/q?$", "127.0.0.2")
XBL_LINE = "192.0.2.10 :127.0.0.4:Exploited host $: remove the bot, then ask for removal"
IPS_LINES = (*IPS_HEADER, XBL_LINE, "203.0.113.200 :127.0.0.2:Spam source $", "198.18.0.5")

DATASETS = [
    Dataset("ips.bl.test", "ip4set", IPS_LINES),
    Dataset("also.bl.test", "ip4trie", ("127.0.0.2/32 :127.0.0.2:test entry",
                                        "203.0.113.200/32 :127.0.0.3:Snowshoe source")),
    Dataset("six.bl.test", "ip6trie", (":127.0.0.2:IPv6 listing $", "::ffff:7f00:2",
                                       "2001:db8:100:7::/64 :127.0.0.3:Snowshoe range")),
    Dataset("names.bl.test", "dnset", ("test :127.0.1.2:test entry",
                                       "harbour.example :127.0.1.2:Spam domain $")),
    Dataset("refusing.bl.test", "ip4set", ("127.0.0.2", "192.0.2.10")),
    Dataset("refusing.bl.test", "acl", ("127.0.0.1 :127.255.255.254:Refused: public resolver",)),
    Dataset("dead.bl.test", "ip4set", ("192.0.2.10",)),
]
IPS_INDEX = 0  # the position of the ``ips`` dataset: its file is the one tests rewrite

ZONES_TOML = """
[defaults]
resolver = "{resolver}"
timeout = 1.0
attempts = 2
concurrency = 32

[[zones]]
name = "ips"
domain = "ips.bl.test"
kinds = ["ipv4"]
description = "Test IP list"
[zones.codes]
"127.0.0.2" = "SBL: spam source"
"127.0.0.3" = "CSS: snowshoe spam"
"127.0.0.4" = "XBL: exploited host"

[[zones]]
name = "also"
domain = "also.bl.test"
kinds = ["ipv4"]
[zones.codes]
"127.0.0.3" = "CSS: snowshoe spam"

[[zones]]
name = "six"
domain = "six.bl.test"
kinds = ["ipv6"]
[zones.codes]
"127.0.0.3" = "CSS: snowshoe spam"

[[zones]]
name = "names"
domain = "names.bl.test"
kinds = ["domain"]
test_listed = "test"
test_unlisted = "invalid"
[zones.codes]
"127.0.1.2" = "DBL: spam domain"

[[zones]]
name = "refusing"
domain = "refusing.bl.test"
kinds = ["ipv4"]
[zones.errors]
"127.255.255.254" = "query refused: public resolver"

[[zones]]
name = "dead"
domain = "dead.bl.test"
kinds = ["ipv4"]
"""


def zones_toml(resolver: str) -> str:
    return ZONES_TOML.format(resolver=resolver)


def serve(server: Rbldnsd, index: int, lines: Sequence[str], *, probe: str,
          listed: bool, seconds: float = 10.0) -> None:
    """Replace the data of dataset ``index``, make rbldnsd reload it (SIGHUP), and wait
    until ``probe`` (a query name) is answered as ``listed`` says."""
    path = sorted(Path(server.directory).glob(f"{index:02d}-*.txt"))[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    later = time.time() + 5  # rbldnsd reloads a file whose modification time changed
    os.utime(path, (later, later))
    assert server.process is not None
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = dns.query.udp(dns.message.make_query(probe, "A"), server.host,
                              port=server.port, timeout=1)
        if (reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)) == listed:
            return
        time.sleep(0.05)
    raise AssertionError(f"rbldnsd did not reload: {probe} still {'un' if listed else ''}listed")
