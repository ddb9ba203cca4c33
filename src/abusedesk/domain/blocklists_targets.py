"""DNSBL targets (RFC 5782): what a sweep asks about, and the query label of each entry.

A target is an IPv4/IPv6 prefix or a domain name, typed by a user, imported, or taken from
the customers' assets (an ``AssetSource``). It becomes one query per address (IPv4), per
/64 (IPv6, as DNSBLs list IPv6 space) or per domain: ``expand`` yields each entry with its
reversed-octet, reversed-nibble or plain label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Protocol

from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import normalise_name

IPNetwork = IPv4Network | IPv6Network
Target = IPv4Network | IPv6Network | str  # a domain target is its normalised name



class TargetKind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"


def parse_target(text: str) -> Target:
    """Read an IP address, a CIDR prefix or a domain name typed by a user or an import.

    A single address becomes its /32 or /128; a prefix with host bits set is refused rather
    than silently widened, since the caller probably mistyped it.
    """
    value = text.strip()
    if not value:
        raise InvalidInput("empty target")
    if "/" in value or ":" in value or value.replace(".", "").isdigit():
        try:
            return ip_network(value, strict=True)
        except ValueError as error:
            raise InvalidInput(f"{value!r} is not an IP address or prefix: {error}") from None
    return normalise_name(value)


def target_kind(target: Target) -> TargetKind:
    if isinstance(target, IPv4Network):
        return TargetKind.IPV4
    if isinstance(target, IPv6Network):
        return TargetKind.IPV6
    return TargetKind.DOMAIN


def query_count(target: Target, ipv6_prefixlen: int = 64) -> int:
    """How many queries one zone needs for ``target`` (IPv6 is asked once per /64 by default)."""
    if isinstance(target, IPv4Network):
        return target.num_addresses
    if isinstance(target, IPv6Network):
        return 1 << max(0, ipv6_prefixlen - target.prefixlen)
    return 1


def ipv4_label(value: int) -> str:
    """The reversed-octet label of an IPv4 address given as an int (RFC 5782 2.1)."""
    return f"{value & 255}.{(value >> 8) & 255}.{(value >> 16) & 255}.{value >> 24}"


def ipv6_label(value: int) -> str:
    """The reversed-nibble label of an IPv6 address given as an int (RFC 5782 2.4)."""
    return ".".join(reversed(f"{value:032x}"))


def expand(target: Target, ipv6_prefixlen: int = 64) -> Iterator[tuple[str, str]]:
    """Yield ``(entry, label)`` pairs for ``target``: the address or domain, and its query label.

    IPv4 prefixes yield every address; IPv6 prefixes yield the first address of every
    /``ipv6_prefixlen`` (DNSBLs list IPv6 space by /64, so one query answers for it).
    """
    if isinstance(target, IPv4Network):
        first = int(target.network_address)
        for value in range(first, first + target.num_addresses):
            entry = f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
            yield entry, ipv4_label(value)
    elif isinstance(target, IPv6Network):
        first = int(target.network_address)
        step = 1 << (128 - max(target.prefixlen, ipv6_prefixlen))
        for index in range(query_count(target, ipv6_prefixlen)):
            value = first + index * step
            yield str(IPv6Address(value)), ipv6_label(value)
    else:
        yield target, target


def entry_label(entry: str) -> tuple[TargetKind, str]:
    """The kind and query label of one address or domain (for checks and test entries)."""
    try:
        address = ip_address(entry.strip())
    except ValueError:
        return TargetKind.DOMAIN, normalise_name(entry)
    if isinstance(address, IPv4Address):
        return TargetKind.IPV4, ipv4_label(int(address))
    return TargetKind.IPV6, ipv6_label(int(address))


@dataclass(frozen=True, slots=True)
class SweepTarget:
    """One asset to sweep: a prefix or domain, and the caller's id for it."""

    target: Target
    ref: str | None = None

    @property
    def text(self) -> str:
        return str(self.target)


class AssetSource(Protocol):
    """Where a sweep takes its targets from (the customers' assets, a list, a file)."""

    def targets(self) -> Iterable[SweepTarget]: ...
