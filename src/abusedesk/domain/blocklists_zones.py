"""DNS blocklist zones (DNSxLs, RFC 5782): what their answers mean, and whether they work.

A ``Zone`` is one blocklist (``zen.spamhaus.org``) with the meaning of each return code and
the resolver to ask. The resolver adapter (the ``BlocklistResolver`` port) answers a
``DnsAnswer``; ``interpret`` turns it into a ``LookupResult``: listed (codes, meanings, TXT,
the answer as evidence), not listed, or an error with its kind. A lookup that failed is
never "not listed". ``assess_health`` judges a zone by its RFC 5782 test entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from typing import Protocol

from abusedesk.domain.blocklists_targets import TargetKind

LOOPBACK = IPv4Network("127.0.0.0/8")
#: Lists answer from this block when they refuse a query (Spamhaus: public resolver,
#: excess volume, typo in the zone name); such answers are errors, never listings.
REFUSAL_BLOCK = IPv4Network("127.255.255.0/24")


class Outcome(StrEnum):
    LISTED = "listed"
    NOT_LISTED = "not-listed"
    ERROR = "error"


class ErrorKind(StrEnum):
    """Why a lookup has no answer; each is reported, none is taken as "not listed"."""

    TIMEOUT = "timeout"  # no answer within the zone's timeout, after every attempt
    SERVFAIL = "servfail"
    REFUSED = "refused"  # DNS rcode REFUSED: the server does not serve this zone for us
    OTHER_RCODE = "rcode"  # FORMERR, NOTIMP and other rcodes
    UNREACHABLE = "unreachable"  # ICMP port unreachable, no route, socket error
    BAD_ANSWER = "bad-answer"  # malformed reply, or an address outside 127.0.0.0/8
    LIST_REFUSED = "list-refused"  # the list's own error code (127.255.255.254 ...)
    ZONE_UNHEALTHY = "zone-unhealthy"  # the zone failed its RFC 5782 test; not queried


class ResponseStatus(StrEnum):
    """What the DNS exchange gave, before any blocklist meaning is applied."""

    NOERROR = "NOERROR"
    NXDOMAIN = "NXDOMAIN"
    SERVFAIL = "SERVFAIL"
    REFUSED = "REFUSED"
    OTHER_RCODE = "OTHER_RCODE"
    TIMEOUT = "TIMEOUT"
    UNREACHABLE = "UNREACHABLE"
    MALFORMED = "MALFORMED"


#: RFC 5782 section 5 test entries (must be listed, must not be), by the first kind a zone takes.
RFC5782_TESTS: Mapping[TargetKind, tuple[str, str]] = {
    TargetKind.IPV4: ("127.0.0.2", "127.0.0.1"),
    TargetKind.IPV6: ("::ffff:7f00:2", "::ffff:7f00:1"),
    TargetKind.DOMAIN: ("test", "invalid"),
}

_STATUS_ERRORS: Mapping[ResponseStatus, ErrorKind] = {
    ResponseStatus.SERVFAIL: ErrorKind.SERVFAIL,
    ResponseStatus.REFUSED: ErrorKind.REFUSED,
    ResponseStatus.OTHER_RCODE: ErrorKind.OTHER_RCODE,
    ResponseStatus.TIMEOUT: ErrorKind.TIMEOUT,
    ResponseStatus.UNREACHABLE: ErrorKind.UNREACHABLE,
    ResponseStatus.MALFORMED: ErrorKind.BAD_ANSWER,
}


@dataclass(frozen=True, slots=True)
class Zone:
    """One DNS blocklist: where it is, what it accepts, what its answers mean, how to ask it."""

    name: str  # short id used in the CLI, results and history ("spamhaus-zen")
    domain: str  # the DNS zone queried ("zen.spamhaus.org")
    kinds: frozenset[TargetKind]
    codes: Mapping[IPv4Address, str] = field(default_factory=dict)  # exact return codes
    bits: Mapping[int, str] = field(default_factory=dict)  # bitmask lists: last-octet bits
    errors: Mapping[IPv4Address, str] = field(default_factory=dict)  # codes that mean "refused"
    description: str = ""
    resolver: str = "system"  # "system", or "host:port" / "[v6]:port" of a nameserver
    timeout: float = 2.0  # seconds per attempt
    attempts: int = 2
    concurrency: int = 16  # queries in flight at once
    rate_limit: float = 0.0  # queries per second; 0 means unlimited
    fetch_txt: bool = True  # ask the TXT record of listed entries (evidence)
    test_listed: str = ""  # RFC 5782 test entry that must be listed ("": by kind, below)
    test_unlisted: str = ""  # and the one that must not be
    enabled: bool = True

    def __post_init__(self) -> None:
        first = next((kind for kind in TargetKind if kind in self.kinds), TargetKind.IPV4)
        listed, unlisted = RFC5782_TESTS[first]
        if not self.test_listed:
            object.__setattr__(self, "test_listed", listed)
        if not self.test_unlisted:
            object.__setattr__(self, "test_unlisted", unlisted)

    def supports(self, kind: TargetKind) -> bool:
        return kind in self.kinds


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """One DNS exchange as the resolver adapter saw it; ``evidence`` is the answer as text."""

    status: ResponseStatus
    addresses: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    evidence: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The answer of one zone about one address or domain, as a value to store or show."""

    zone: str
    entry: str  # the address or domain asked about
    query: str  # the DNS name queried
    outcome: Outcome
    checked_at: datetime
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    txt: tuple[str, ...] = ()
    evidence: str = ""  # the DNS answer section, as text
    error: ErrorKind | None = None
    detail: str = ""
    asset: str = ""  # the prefix or domain swept that contains ``entry``
    ref: str | None = None  # the caller's id of that asset (customer asset, import row)

    @property
    def listed(self) -> bool:
        return self.outcome is Outcome.LISTED

    @property
    def failure(self) -> str:
        """Why a failed lookup failed: its error kind and the detail, if any."""
        return f"{self.error}: {self.detail}" if self.detail else str(self.error)


def _meanings(zone: Zone, codes: Iterable[IPv4Address]) -> tuple[str, ...]:
    meanings: list[str] = []
    for code in codes:
        if code in zone.codes:
            meanings.append(zone.codes[code])
        elif zone.bits and (matched := [m for bit, m in zone.bits.items() if int(code) & bit]):
            meanings.extend(matched)
        else:
            meanings.append(f"unknown return code {code}")
    return tuple(meanings)


def interpret(
    zone: Zone,
    entry: str,
    query: str,
    answer: DnsAnswer,
    checked_at: datetime,
    asset: str = "",
    ref: str | None = None,
) -> LookupResult:
    """Give a DNS answer its blocklist meaning for ``zone`` (the rules in docs/blocklists.md).

    ``asset`` and ``ref`` name the swept prefix or domain that holds ``entry`` and are
    carried into the result unchanged.
    """
    # The two common cases build their result directly: a sweep makes millions of them.
    if answer.status is ResponseStatus.NXDOMAIN or (
        answer.status is ResponseStatus.NOERROR and not answer.addresses
    ):
        return LookupResult(
            zone.name, entry, query, Outcome.NOT_LISTED, checked_at, asset=asset, ref=ref
        )
    if answer.status in _STATUS_ERRORS:
        return LookupResult(
            zone.name, entry, query, Outcome.ERROR, checked_at,
            error=_STATUS_ERRORS[answer.status], detail=answer.detail, asset=asset, ref=ref,
        )
    base = LookupResult(zone.name, entry, query, Outcome.ERROR, checked_at, asset=asset, ref=ref)
    try:
        codes = sorted({IPv4Address(text) for text in answer.addresses})
    except ValueError:
        return replace(base, error=ErrorKind.BAD_ANSWER, detail=f"not IPv4: {answer.addresses}")
    as_text = tuple(str(code) for code in codes)
    evidence = replace(base, codes=as_text, txt=answer.texts, evidence=answer.evidence)
    refusals = [code for code in codes if code in zone.errors or code in REFUSAL_BLOCK]
    if refusals:
        reason = "; ".join(
            f"{code}: {zone.errors.get(code, 'query refused by the list')}" for code in refusals
        )
        return replace(evidence, error=ErrorKind.LIST_REFUSED, detail=reason)
    strays = [code for code in codes if code not in LOOPBACK]
    if strays:
        return replace(
            evidence,
            error=ErrorKind.BAD_ANSWER,
            detail=f"answer {', '.join(map(str, strays))} is outside 127.0.0.0/8 "
            "(a resolver rewriting NXDOMAIN, or not a blocklist)",
        )
    return replace(
        evidence, outcome=Outcome.LISTED, meanings=_meanings(zone, codes), detail=""
    )


# --------------------------------------------------------------------------- zone health


class ZoneHealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEAD = "dead"  # the must-be-listed test entry is not listed: empty, expired or gone
    LISTS_EVERYTHING = "lists-everything"  # the must-not-be-listed entry is listed
    FAILING = "failing"  # a test query failed (timeout, refused, the list's error code)
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class ZoneHealth:
    zone: str
    status: ZoneHealthStatus
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.status in (ZoneHealthStatus.HEALTHY, ZoneHealthStatus.UNCHECKED)


def assess_health(zone: Zone, listed: LookupResult, unlisted: LookupResult) -> ZoneHealth:
    """Judge a zone by its RFC 5782 test entries (127.0.0.2 listed, 127.0.0.1 not)."""
    for probe in (listed, unlisted):
        if probe.outcome is Outcome.ERROR:
            return ZoneHealth(zone.name, ZoneHealthStatus.FAILING,
                              f"test {probe.entry}: {probe.failure}")
    if not listed.listed:
        return ZoneHealth(
            zone.name, ZoneHealthStatus.DEAD, f"test entry {listed.entry} is not listed"
        )
    if unlisted.listed:
        return ZoneHealth(
            zone.name,
            ZoneHealthStatus.LISTS_EVERYTHING,
            f"{unlisted.entry} is listed ({', '.join(unlisted.codes)})",
        )
    return ZoneHealth(zone.name, ZoneHealthStatus.HEALTHY)


class RecordType(StrEnum):
    A = "A"
    TXT = "TXT"


class BlocklistResolver(Protocol):
    """Asks a zone's nameserver one question; never raises for DNS failures (see status)."""

    async def query(self, zone: Zone, name: str, rdtype: RecordType) -> DnsAnswer: ...

    async def close(self) -> None: ...
