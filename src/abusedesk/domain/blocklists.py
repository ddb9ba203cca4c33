"""DNS blocklists (DNSxLs, RFC 5782): zones, targets, answers, listing results and their history.

A ``Zone`` is one blocklist (``zen.spamhaus.org``) with the meaning of each return code and
the resolver to ask. A target (an IPv4/IPv6 prefix or a domain) becomes one query name per
address, /64 or domain. The resolver adapter answers a ``DnsAnswer``; ``interpret`` turns it
into a ``LookupResult``: listed (codes, meanings, TXT, the answer as evidence), not listed, or
an error with its kind. A lookup that failed is never "not listed". ``decide_transition``
compares a result with the known listing history of a target on a zone (clause 3e: a
listing opens a case, a delisting resolves it, a re-listing escalates); ``StoredListing``,
``ListingChange`` and ``SweepRecord`` are that history and the sweeps as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Protocol

from abusedesk.domain.errors import InvalidInput

IPNetwork = IPv4Network | IPv6Network
Target = IPv4Network | IPv6Network | str  # a domain target is its normalised name

LOOPBACK = IPv4Network("127.0.0.0/8")
#: Lists answer from this block when they refuse a query (Spamhaus: public resolver,
#: excess volume, typo in the zone name); such answers are errors, never listings.
REFUSAL_BLOCK = IPv4Network("127.255.255.0/24")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class TargetKind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"


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


# --------------------------------------------------------------------------- targets


def normalise_domain(text: str) -> str:
    """Lower-case, IDNA-encoded, dot-free-at-the-end domain name, or ``InvalidInput``."""
    name = text.strip().rstrip(".").lower()
    if not name:
        raise InvalidInput("empty domain name")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidInput(f"{text!r} is not a valid domain name ({error})") from None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(f"{text!r} is not a valid domain name")
    return name


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
    return normalise_domain(value)


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
        return TargetKind.DOMAIN, normalise_domain(entry)
    if isinstance(address, IPv4Address):
        return TargetKind.IPV4, ipv4_label(int(address))
    return TargetKind.IPV6, ipv6_label(int(address))


# --------------------------------------------------------------------------- answers


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
            why = f"{probe.error}: {probe.detail}" if probe.detail else str(probe.error)
            return ZoneHealth(zone.name, ZoneHealthStatus.FAILING, f"test {probe.entry}: {why}")
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


# --------------------------------------------------------------------------- history (3e)


class ListingStatus(StrEnum):
    NEVER_LISTED = "never-listed"
    LISTED = "listed"
    DELISTED = "delisted"


class Transition(StrEnum):
    NEW_LISTING = "new-listing"  # open a case under 3e
    STILL_LISTED = "still-listed"  # update the case (``codes_changed`` says if evidence moved)
    DELISTED = "delisted"  # record it, resolve the case
    RELISTED = "relisted"  # listed again after a delisting: escalate
    STILL_CLEAN = "still-clean"
    ERROR = "error"  # the lookup failed: nothing changes


@dataclass(frozen=True, slots=True)
class ListingHistory:
    """What is known of one entry on one zone; ``NEVER_LISTED`` when nothing is stored."""

    status: ListingStatus = ListingStatus.NEVER_LISTED
    codes: tuple[str, ...] = ()
    listed_since: datetime | None = None
    delisted_at: datetime | None = None
    listings: int = 0  # how many times it went from not listed to listed
    last_checked: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListingDecision:
    transition: Transition
    history: ListingHistory  # the history to store after this result
    codes_changed: bool = False


def decide_transition(previous: ListingHistory | None, result: LookupResult) -> ListingDecision:
    """Compare a new lookup result with the stored history of its entry and zone.

    Errors change nothing (not even ``last_checked``), so a dead list or a timeout can
    neither resolve a case nor open one.
    """
    known = previous or ListingHistory()
    at = result.checked_at
    if result.outcome is Outcome.ERROR:
        return ListingDecision(Transition.ERROR, known)
    if result.outcome is Outcome.LISTED:
        if known.status is ListingStatus.LISTED:
            changed = set(result.codes) != set(known.codes)
            return ListingDecision(
                Transition.STILL_LISTED,
                replace(known, codes=result.codes, last_checked=at),
                codes_changed=changed,
            )
        transition = (
            Transition.RELISTED
            if known.status is ListingStatus.DELISTED
            else Transition.NEW_LISTING
        )
        listed = ListingHistory(
            ListingStatus.LISTED,
            result.codes,
            listed_since=at,
            delisted_at=known.delisted_at,
            listings=known.listings + 1,
            last_checked=at,
        )
        return ListingDecision(transition, listed)
    if known.status is ListingStatus.LISTED:
        delisted = replace(known, status=ListingStatus.DELISTED, delisted_at=at, last_checked=at)
        return ListingDecision(Transition.DELISTED, delisted)
    return ListingDecision(Transition.STILL_CLEAN, replace(known, last_checked=at))


@dataclass(frozen=True, slots=True)
class StoredListing:
    """The stored state of one entry on one zone; kept from its first listing on.

    ``complaint_id`` is the evidence of the latest listing (the record that fed the case
    machinery) and ``case_id`` the case it went to, once known.
    """

    id: int
    zone: str
    entry: str
    asset: str
    status: ListingStatus
    codes: tuple[str, ...]
    meanings: tuple[str, ...]
    txt: tuple[str, ...]
    evidence: str
    first_listed_at: datetime
    listed_since: datetime | None
    delisted_at: datetime | None
    last_checked: datetime
    listings: int
    complaint_id: int | None = None
    case_id: int | None = None

    @property
    def history(self) -> ListingHistory:
        return ListingHistory(self.status, self.codes, self.listed_since, self.delisted_at,
                              self.listings, self.last_checked)


@dataclass(frozen=True, slots=True)
class ListingChange:
    """One transition of a stored listing, and what it did to cases once applied.

    ``prior_case_id`` is the case of the listing before a re-listing (the one to escalate);
    ``case_id`` the case the change opened, updated, resolved or escalated.
    """

    id: int
    listing_id: int
    zone: str
    entry: str
    transition: Transition
    observed_at: datetime
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    txt: tuple[str, ...] = ()
    complaint_id: int | None = None
    prior_case_id: int | None = None
    case_id: int | None = None
    applied_at: datetime | None = None
    outcome: str | None = None
    sweep_id: int | None = None


@dataclass(frozen=True, slots=True)
class SweepRecord:
    """One recorded sweep; a ``running`` one holds the sweep lock until ``lease_until``."""

    id: int
    trigger: str  # "schedule" or "cli"
    scope: str  # "customers" (every customer asset) or "targets" (named by the caller)
    status: str  # running, done, failed, abandoned
    started_at: datetime
    lease_until: datetime
    finished_at: datetime | None = None
    targets: int = 0
    queries: int = 0
    listed: int = 0
    errors: int = 0
    changes: Mapping[str, int] = field(default_factory=dict)  # transition -> count
    detail: str | None = None


# --------------------------------------------------------------------------- ports


class RecordType(StrEnum):
    A = "A"
    TXT = "TXT"


class BlocklistResolver(Protocol):
    """Asks a zone's nameserver one question; never raises for DNS failures (see status)."""

    async def query(self, zone: Zone, name: str, rdtype: RecordType) -> DnsAnswer: ...

    async def close(self) -> None: ...


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
