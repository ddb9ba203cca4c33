"""Normal forms of customer resources and of the values a resolution is asked about.

Every asset value is stored in one canonical spelling (``normalise_asset``) so that an
import, a re-import and a lookup agree: prefixes in compressed network form, names in
lower-case ASCII (IDNA), ASNs as ``AS<number>``. ``parse_query`` turns what a complaint
names (an address, a URL, an e-mail address, a host name, an ASN) into the one thing the
resolution index looks up. Every failure is an ``InvalidInput`` that says what was wrong.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from abusedesk.domain.customers import AssetKind
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import normalise_name
from abusedesk.domain.policy import Action, Deadline, DeadlineKind

_ASN = re.compile(r"^(?:as)?(\d{1,10})$", re.IGNORECASE)
_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,253}$")
MAX_ASN = 4_294_967_295


class QueryKind(StrEnum):
    ADDRESS = "address"  # an IP address or prefix: longest-prefix match
    NAME = "name"        # a host or domain name: exact host, then the longest domain suffix
    ASN = "asn"


@dataclass(frozen=True, slots=True)
class Query:
    """What a resolution looks up: ``key`` is canonical (an address string, a name, ``AS1``)."""

    kind: QueryKind
    key: str
    via: str  # how the value was read: "address", "url", "e-mail", "name", "asn"


def normalise_prefix(text: str) -> str:
    """``"192.0.2.0/24"`` or ``"2001:DB8::/32"`` in canonical form; an address is a host prefix."""
    raw = text.strip()
    try:
        network = ipaddress.ip_network(raw, strict=True)
    except ValueError as error:
        try:
            loose = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not an IPv4 or IPv6 prefix ({error})") from None
        raise InvalidInput(f"{raw!r} has host bits set; did you mean {loose}?") from None
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped:
        raise InvalidInput(f"{raw!r} is an IPv4-mapped IPv6 prefix; give the IPv4 prefix")
    return str(network)


def normalise_asn(text: str) -> str:
    match = _ASN.match(text.strip())
    if match is None or not 0 < int(match.group(1)) <= MAX_ASN:
        raise InvalidInput(f"{text.strip()!r} is not an AS number (AS1 to AS{MAX_ASN})")
    return f"AS{int(match.group(1))}"


def _is_asn(text: str) -> bool:
    """An AS number written with its prefix (``AS64496``); a bare number is not taken for one."""
    return text[:2].lower() == "as" and _ASN.match(text) is not None


def guess_asset_kind(value: str) -> AssetKind:
    """The kind an import row means when it names none: prefix, ASN, else domain."""
    text = value.strip()
    if _is_asn(text):
        return AssetKind.ASN
    if ":" in text or re.match(r"^[\d./]+$", text):
        return AssetKind.PREFIX
    return AssetKind.DOMAIN


def normalise_asset(kind: AssetKind, value: str) -> str:
    """The canonical spelling of ``value`` as an asset of ``kind``."""
    if kind is AssetKind.PREFIX:
        return normalise_prefix(value)
    if kind is AssetKind.ASN:
        return normalise_asn(value)
    return normalise_name(value)


def normalise_scope_entry(value: str) -> str:
    """A consent's scope entry: a prefix (an address is a host prefix) or a name."""
    text = value.strip()
    if guess_asset_kind(text) is AssetKind.PREFIX:
        return normalise_prefix(text)
    return normalise_name(text)


def normalise_slug(value: str, what: str) -> str:
    text = value.strip().lower()
    if not _SLUG.match(text):
        raise InvalidInput(f"{what} {value!r} must be lower-case letters, digits and hyphens")
    return text


def normalise_email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.match(text) or "." not in text.rsplit("@", 1)[1]:
        raise InvalidInput(f"{value!r} is not an e-mail address")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{normalise_name(domain)}"


def parse_query(value: str) -> Query:
    """Read an address, prefix, URL, e-mail address, host name or ASN for resolution."""
    text = value.strip()
    if not text:
        raise InvalidInput("nothing to resolve: give an IP address, host name, URL or e-mail")
    if "://" in text:
        return _url_query(text)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if "@" in text:
        domain = text.strip("<>").rsplit("@", 1)[1]
        try:
            return Query(QueryKind.NAME, normalise_name(domain), "e-mail")
        except InvalidInput:
            raise InvalidInput(f"{value.strip()!r}: the e-mail domain is not a name") from None
    address = _address(text)
    if address is not None:
        return Query(QueryKind.ADDRESS, address, "address")
    if _is_asn(text):
        return Query(QueryKind.ASN, normalise_asn(text), "asn")
    host = text.rsplit(":", 1)[0] if re.search(r":\d{1,5}$", text) else text
    try:
        return Query(QueryKind.NAME, normalise_name(host), "name")
    except InvalidInput:
        raise InvalidInput(f"{value.strip()!r} is not an IP address, host name, URL or "
                           "e-mail address") from None


def _url_query(text: str) -> Query:
    try:
        host = urlsplit(text).hostname
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not a URL ({error})") from None
    if not host:
        raise InvalidInput(f"{text!r} is a URL without a host")
    address = _address(host)
    if address is not None:
        return Query(QueryKind.ADDRESS, address, "url")
    try:
        return Query(QueryKind.NAME, normalise_name(host), "url")
    except InvalidInput:
        raise InvalidInput(f"{text!r}: the URL's host {host!r} is not a name") from None


def _address(text: str) -> str | None:
    """The canonical address or prefix in ``text`` (``[v6]``, ``v4:port``), else None."""
    candidate = text
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]" or "[...]:443"
        candidate = candidate[1:candidate.index("]")]
    if candidate.lower().startswith("ipv6:"):
        candidate = candidate[5:]
    if candidate.count(":") == 1 and "." in candidate:  # "192.0.2.1:25"
        candidate = candidate.split(":", 1)[0]
    try:
        if "/" in candidate:
            network = ipaddress.ip_network(candidate, strict=False)
            if network.num_addresses == 1:
                return _mapped(network.network_address)
            return str(network)
        return _mapped(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _mapped(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def parse_time(value: str, what: str) -> datetime:
    """A date (00:00 UTC) or an ISO 8601 time; a time without a zone is UTC."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date (YYYY-MM-DD) or ISO 8601 "
                           "time") from None
    if len(text) == 10:
        moment = datetime.combine(moment.date(), time(0))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """The inverse of ``parse_time``: a bare date at midnight UTC, else ISO 8601 with Z."""
    moment = moment.astimezone(UTC)
    if moment.time() == time(0):
        return moment.date().isoformat()
    return moment.replace(tzinfo=None).isoformat() + "Z"


def parse_deadline(value: str) -> Deadline:
    """``promptly``, ``none`` or an ISO 8601 duration such as ``PT48H`` or ``P2D``."""
    text = value.strip()
    if text in (DeadlineKind.PROMPTLY, DeadlineKind.NONE):
        return Deadline(DeadlineKind(text))
    match = _DURATION.fullmatch(text)
    if match is None or text.endswith(("P", "T")):
        raise InvalidInput(f"deadline {value!r} is not 'promptly', 'none' or an ISO 8601 "
                           "duration like PT48H")
    duration = timedelta(**{k: int(v) for k, v in match.groupdict().items() if v})
    if duration <= timedelta(0):
        raise InvalidInput(f"deadline {value!r} must be longer than zero")
    return Deadline(DeadlineKind.FIXED, duration)


def format_deadline(deadline: Deadline) -> str:
    """The inverse of ``parse_deadline``; fixed durations in hours (``PT48H``), as abuse
    desks count them."""
    if deadline.kind is not DeadlineKind.FIXED or deadline.duration is None:
        return deadline.kind.value
    hours, minutes = divmod(int(deadline.duration.total_seconds() // 60), 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


def parse_ladder(values: list[str] | tuple[str, ...]) -> tuple[Action, ...]:
    actions = []
    for value in values:
        try:
            actions.append(Action(str(value).strip()))
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise InvalidInput(f"ladder step {value!r} is not one of: {known}") from None
    return tuple(actions)
