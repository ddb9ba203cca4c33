"""A real rbldnsd on loopback serving one zone of each dataset type, and zones pointing at it.

Zones served (all under ``bl.test``):
  ip4set    ``set``      single addresses and a range, TXT templates, an entry with two codes
  ip4trie   ``trie``     CIDR ranges, longest prefix wins, an exclusion
  ip6trie   ``six``      IPv6 ranges
  dnset     ``names``    domains, a whole-subtree entry
  dnset     ``bits``     a bitmask list (SURBL style)
  ip4set+acl ``refusing`` answers 127.255.255.254 to us, as Spamhaus does to public resolvers
  ip4set    ``dead``     does not list its RFC 5782 test entry
  ip4trie   ``world``    lists every address, 127.0.0.1 included
``unserved.bl.test`` is not served: rbldnsd answers REFUSED.

The monitoring tests use ``provider``: a container on both engines holding the customers
of ``world``, a capturing SMTP relay, and a zone file pointing at an rbldnsd of their own
(``world_server``), whose data a test may change.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.blocklists_zones import Zone
from abusedesk.domain.clock import FrozenClock
from tests.integration.blocklists import world
from tests.integration.cases.relay import CapturingRelay
from tests.support.rbldnsd import MISSING_REASON, RBLDNSD, Dataset, Rbldnsd

#: Entries of the ``set`` zone with their codes; the tests compare sweeps with this table.
SET_LISTINGS = {
    "192.0.2.10": ("127.0.0.4",),
    "192.0.2.20": ("127.0.0.10",),
    "192.0.2.30": ("127.0.0.2", "127.0.0.3"),
}
SET_RANGE = [f"198.51.100.{n}" for n in range(16, 32)]  # 198.51.100.16/28

DATASETS = [
    Dataset("set.bl.test", "ip4set", (
        ":127.0.0.2:Listed in set, see https://bl.test/lookup?$",
        "127.0.0.2",
        "192.0.2.10 :127.0.0.4:Exploited host $",
        "192.0.2.20 :127.0.0.10:",
        "192.0.2.30 :127.0.0.2:Spam source $",
        "192.0.2.30 :127.0.0.3:Snowshoe $",
        "198.51.100.16/28 :127.0.0.2:Spam range",
    )),
    Dataset("trie.bl.test", "ip4trie", (
        "127.0.0.2/32 :127.0.0.2:test entry",
        "203.0.113.0/24 :127.0.0.3:whole block",
        "203.0.113.128/25 :127.0.0.9:upper half",
        "!203.0.113.200",
    )),
    Dataset("six.bl.test", "ip6trie", (
        ":127.0.0.2:IPv6 listing $",
        "::ffff:7f00:2",
        "2001:db8:bad::/48 :127.0.0.3:Snowshoe /48",
    )),
    Dataset("names.bl.test", "dnset", (
        "test :127.0.1.2:test entry",
        "spam.example :127.0.1.2:Spam domain $",
        ".phish.example :127.0.1.4:Phishing $",
    )),
    Dataset("bits.bl.test", "dnset", (
        "test :127.0.0.8:",
        "bad.example :127.0.0.72:",
    )),
    Dataset("refusing.bl.test", "ip4set", ("127.0.0.2", "192.0.2.10")),
    Dataset("refusing.bl.test", "acl",
            ("127.0.0.1 :127.255.255.254:Query refused: public resolver",)),
    Dataset("dead.bl.test", "ip4set", ("192.0.2.10",)),
    Dataset("world.bl.test", "ip4trie", ("0.0.0.0/0 :127.0.0.2:everything is listed",)),
]

_SPAMHAUS_LIKE = {
    IPv4Address("127.0.0.2"): "SBL", IPv4Address("127.0.0.3"): "CSS",
    IPv4Address("127.0.0.4"): "XBL", IPv4Address("127.0.0.9"): "DROP",
    IPv4Address("127.0.0.10"): "PBL",
}
_ERRORS = {IPv4Address("127.255.255.254"): "query refused: public resolver"}


def zone(name: str, kinds: set[TargetKind], **extra: object) -> Zone:
    base = Zone(name, f"{name}.bl.test", frozenset(kinds), codes=_SPAMHAUS_LIKE, errors=_ERRORS,
                timeout=1.0, attempts=2, concurrency=32)
    return replace(base, **extra)  # type: ignore[arg-type]


def served_zones(resolver: str) -> dict[str, Zone]:
    ipv4, ipv6, domain = {TargetKind.IPV4}, {TargetKind.IPV6}, {TargetKind.DOMAIN}
    zones = [
        zone("set", ipv4), zone("trie", ipv4), zone("six", ipv6),
        zone("names", domain, codes={IPv4Address("127.0.1.2"): "spam domain",
                                     IPv4Address("127.0.1.4"): "phishing domain"}),
        zone("bits", domain, codes={}, bits={8: "PH", 16: "MW", 64: "ABUSE"}),
        zone("refusing", ipv4), zone("dead", ipv4), zone("world", ipv4),
        zone("unserved", ipv4),
    ]
    return {z.name: replace(z, resolver=resolver) for z in zones}


@pytest.fixture(scope="session")
def rbldnsd_server() -> Iterator[Rbldnsd]:
    if RBLDNSD is None:
        pytest.skip(MISSING_REASON)
    with Rbldnsd(DATASETS) as server:
        yield server


@pytest.fixture
def zones(rbldnsd_server: Rbldnsd) -> dict[str, Zone]:
    return served_zones(rbldnsd_server.address)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """``host:port`` of a UDP socket that receives queries and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def closed_port() -> str:
    """``host:port`` where nothing listens: the kernel answers ICMP port unreachable."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"127.0.0.1:{port}"


# --------------------------------------------------------------------------- monitoring


@pytest.fixture
def world_server() -> Iterator[Rbldnsd]:
    """The zones of ``world`` on their own rbldnsd (tests change what it serves)."""
    if RBLDNSD is None:
        pytest.skip(MISSING_REASON)
    with Rbldnsd(world.DATASETS) as server:
        yield server


@pytest.fixture
def relay() -> Iterator[CapturingRelay]:
    running = CapturingRelay().start()
    yield running
    running.stop()


@pytest.fixture
def world_settings(database_url: str, tmp_path: Path, relay: CapturingRelay,
                   world_server: Rbldnsd) -> Settings:
    zones_file = tmp_path / "zones.toml"
    zones_file.write_text(world.zones_toml(world_server.address), encoding="utf-8")
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data",
        relay_host="127.0.0.1", relay_port=relay.port, relay_timeout_seconds=10,
        mail_from=world.PROVIDER_FROM, public_url="https://abuse.provider.example",
        secret_key="b" * 48, reminder_leads=[timedelta(hours=24)],
        blocklist_zones_file=zones_file,
    )


@pytest.fixture
def provider(world_settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    """A container on a migrated database (both engines) holding the world's customers."""
    built = build_container(world_settings, clock=clock)
    prepare_database(built)
    report = built.customers.import_text(json.dumps(world.CUSTOMERS), fmt="json")
    assert report.applied, report
    yield built
    built.close()
