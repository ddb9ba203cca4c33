"""Offenders in text: IP addresses, URLs, host names, and which of them can be offenders.

Two rules decide whether an address may be an offender (documented in docs/formats.md):

* Never, from any field: unspecified, loopback, multicast, broadcast, link-local and the
  reserved 240.0.0.0/4 range. No host can send abuse from them.
* Documentation ranges (RFC 5737, RFC 3849) and the benchmarking range (RFC 2544) are kept
  when a structured field names them (an ARF ``Source-IP``, an XARF ``source_identifier``):
  providers and test data number customers there. In free text they are boilerplate
  ("for example 192.0.2.1"), so extraction drops them unless the caller's options keep them.
  Private space (RFC 1918, RFC 6598, RFC 4193) is always kept: a provider may number
  customers behind its own NAT, and anonymised samples use it.

Refanging undoes what phishing reporters do to make URLs unclickable: ``hxxp``, ``[.]``,
``(.)``, `` [dot] ``, ``[:]``, ``[at]``.

Text names victims too. ``find_indicators`` says which side each indicator is on: an address
after ``=>``, ``->``, tcpdump's `` > ``, ``against``, ``to``, ``dst``/``DST=`` or ``target``
(with no ``from``/``src`` in between) is a *destination*; an indicator under a victim label
(``Target brand:``, ``Original work:``), after "the original … is at" or in brackets after
the brand a phishing site impersonates (``impersonating Example Bank (https://…)``) is a
*victim*. Callers decide what to do with them (free text never reports victims, and drops
destinations when a source is named).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

from abusedesk.domain.events import IPAddress
from abusedesk.domain.names import public_suffixes

_NEVER_V4 = tuple(
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_NEVER_V6 = tuple(IPv6Network(n) for n in ("::/128", "::1/128", "fe80::/10", "ff00::/8"))
_DOCUMENTATION = (
    IPv4Network("192.0.2.0/24"),
    IPv4Network("198.51.100.0/24"),
    IPv4Network("203.0.113.0/24"),
    IPv4Network("198.18.0.0/15"),
    IPv6Network("2001:db8::/32"),
)

_IPV4 = r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?:(?=\.\d{1,5}(?: > |:\s))|(?![\d.]*\d))"  # noqa: E501
# (a port after a dot follows an address only as tcpdump writes it: "1.2.3.4.53 > ")
_IPV6 = r"(?<![:\w])(?:[0-9a-fA-F]{1,4}:){2,7}(?::|[0-9a-fA-F]{1,4})(?:(?::[0-9a-fA-F]{1,4}){0,6})(?![:\w])"  # noqa: E501
IPV4_RE = re.compile(_IPV4)
IPV6_RE = re.compile(
    _IPV6
    + r"|(?<![:\w])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![:\w])"
)
URL_RE = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`|\]\[(){}]+[^\s<>\"'`|\]\[(){}.,;:!?]", re.I)
EMAIL_RE = re.compile(r"\b[A-Za-z0-9._%+=-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]{0,62}$")

# Defanging as phishing reporters write it, undone before extraction.
_REFANG = (
    (re.compile(r"\bh(?:xx|\*\*|XX)p(s?)(?=(?:\[:\]|:|\[://\]))", re.I), r"http\1"),
    (re.compile(r"\bfxp(?=(?:\[:\]|:))", re.I), "ftp"),
    (re.compile(r"\[:\]//|\[://\]"), "://"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\s?[\[(\{]\s*(?:\.|dot)\s*[\])\}]\s?", re.I), "."),
    (re.compile(r"(?<=\w) (?:\[dot\]|\(dot\)|dot) (?=\w)", re.I), "."),
    (re.compile(r"\s?[\[(]\s*(?:@|at)\s*[\])]\s?", re.I), "@"),
    (re.compile(r"\[/\]"), "/"),
)


#: A dotted quad with zero-padded octets (``109.230.155.061``), as DShield lists addresses.
_PADDED_QUAD = re.compile(r"(?=[\d.]*(?<![\d])0\d)\d{1,3}(?:\.\d{1,3}){3}")
#: In free text only the fully padded form (every octet three digits) opening a line, as in
#: a list of addresses: version numbers and dates are written otherwise.
_LISTED_PADDED = re.compile(r"^(\s*)(\d{3}\.\d{3}\.\d{3}\.\d{3})(?=[\s,;|]|$)")


def unpad(quad: str) -> str:
    """``109.230.155.061`` -> ``109.230.155.61``; the text unchanged when an octet is > 255."""
    octets = [int(part) for part in quad.split(".")]
    return ".".join(map(str, octets)) if all(o <= 255 for o in octets) else quad


def unpad_listed(line: str) -> str:
    """A line opening with a fully zero-padded address, with that address unpadded."""
    return _LISTED_PADDED.sub(lambda m: m.group(1) + unpad(m.group(2)), line, count=1)


def refang(text: str) -> str:
    """Undo the usual defanging of URLs, host names and addresses."""
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def parse_ip(value: object) -> IPAddress | None:
    """An IP address from a field value (``[10.0.0.1]``, ``IPv6:fe80::1``, ``1.2.3.4:80``)."""
    if value is None:
        return None
    text = str(value).strip().strip("[]<>()\"' ")
    if text.lower().startswith("ipv6:"):
        text = text[5:]
    if text.count(":") == 1 and "." in text:  # "1.2.3.4:8080"
        text = text.split(":", 1)[0]
    if _PADDED_QUAD.fullmatch(text):
        text = unpad(text)
    try:
        return ip_address(text)
    except ValueError:
        return None


def never_offender(address: IPAddress) -> bool:
    """True for addresses no host can send abuse from (loopback, multicast, ...)."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, IPv4Address):
        return address == IPv4Address("255.255.255.255") or any(address in n for n in _NEVER_V4)
    return any(address in n for n in _NEVER_V6)


def is_documentation(address: IPAddress) -> bool:
    """True for RFC 5737 / RFC 3849 documentation and RFC 2544 benchmarking addresses."""
    return any(address.version == net.version and address in net for net in _DOCUMENTATION)


def offender_ip(value: object) -> IPAddress | None:
    """The address in a structured field, or None when it cannot be an offender."""
    address = parse_ip(value)
    if address is None or never_offender(address):
        return None
    return address


def hostname(value: str | None) -> str | None:
    """A lower-case host name, or None when ``value`` is no plausible DNS name."""
    if not value:
        return None
    text = value.strip().strip(".").lower()
    if text.startswith("*."):
        text = text[2:]
    if not _HOSTNAME.match(text) or text.rsplit(".", 1)[-1].isdigit():
        return None
    return text


def url_host(url: str) -> str | None:
    """The host part of a URL (a name or an address literal)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def url_port(url: str) -> int | None:
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def registered_domain(name: str | None) -> str | None:
    """``www.example.co.uk`` -> ``example.co.uk``; the name itself for unknown suffixes."""
    host = hostname(name)
    if host is None:
        return None
    private = public_suffixes().privatesuffix(host)
    return str(private) if private else host


def email_address(value: str | None) -> str | None:
    """A bare lower-cased address from ``"Name" <a@b>``, ``<a@b>`` or ``a@b``."""
    if not value:
        return None
    match = EMAIL_RE.search(str(value))
    return match.group(0).lower() if match else None


@dataclass(frozen=True, slots=True)
class Found:
    """One indicator found in text, with the line it was on."""

    kind: str  # "ip" | "url"
    value: str
    line: int
    port: int | None = None  # written with the address: "198.51.100.7:8080"
    role: str = "offender"  # "offender" | "destination" | "victim"


# The last direction word before an address decides its side: a source word ("from") makes
# it the offender; a destination word makes it the victim when at most three words stand
# between them ("against our server 203.0.113.5"), so "hosts connecting to our network:
# 198.51.100.7" still names an offender.
_DIRECTION = re.compile(
    r"(=>|->|-->|DST=|SRC=|(?<=\S) >(?=\s)|"  # " > ": tcpdump's arrow
    r"\b(?:to|against|dst|dest\w*|destination|target\w*|victim\w*|gegen|contre|contra|на|"
    r"from|src|source|by|von|desde|с)\b)",
    re.I,
)
_LINE_END_DIRECTION = re.compile(
    r"(?:=>|->|\b(?:to|against|from|gegen|von|contre|contra|desde))\s*$", re.I
)
_SOURCE_WORDS = frozenset({"from", "src", "source", "src=", "by", "von", "desde", "с"})
# Prose that introduces the victim's own resource: "the original is available at <url>".
_VICTIM_PROSE = re.compile(
    r"(?:original|genuine|legitimate|official|authori[sz]ed|real)\s+(?:copyrighted\s+)?"
    r"(?:work|content|site|website|web\s*site|page|material|title|source|version|domain|brand|"
    r"service|is|can|available|located|published|found|here)\b[^.;]{0,60}$"
    r"|(?:target(?:ed)?\s+brand|brand\s+site|copyrighted\s+work)\b[^.;]{0,60}$"
    # "impersonating Example Bank (https://www.examplebank.example)": the brand's own site
    r"|(?:impersonat\w*|imitat\w*|spoofing|posing\s+as|pretending\s+to\s+be)\s+"
    r"[^.;()]{1,40}\(\s*$",
    re.I,
)
_VICTIM_LABEL_LINE = re.compile(
    r"^\s*[-*•]?\s*[^:]{0,40}\b(?:target\w*|original|legitimate|genuine|official|brand|"
    r"victim\w*|honeypot|sensor|destination|dest|dst)\b[^:]{0,20}[:：]",
    re.I,
)


def _role(line: str, start: int, previous: str) -> str:
    """Which side the indicator starting at ``start`` of ``line`` is on."""
    if _VICTIM_LABEL_LINE.match(line):
        return "victim"
    before = line[:start]
    context = f"{previous.strip()} {before}" if previous.strip() else before
    if _VICTIM_PROSE.search(context[-120:]):
        return "victim"
    before = re.sub(r"^[\s>]+", "", before)
    if not before.strip() and _LINE_END_DIRECTION.search(previous):
        before = f"{previous.strip()} "  # "… against" / "… from" cut at the line's end
    found = list(_DIRECTION.finditer(before[-60:]))
    if not found or found[-1].group(1).lower() in _SOURCE_WORDS:
        return "offender"
    last = found[-1]
    if last.group(1).strip() in ("=>", "->", "-->", "DST=", ">"):
        return "destination"
    between = before[-60:][last.end() :]
    return "destination" if ":" not in between and len(between.split()) <= 3 else "offender"


# whois output that fail2ban and some reporters paste; its addresses are registry data,
# not offenders.
_WHOIS_LINE = re.compile(
    r"^\s*%|^\s*#|^\s*(?:inetnum|inet6num|netrange|cidr|route6?|origin|netname|descr|country|"
    r"admin-c|tech-c|abuse-c|mnt-[a-z-]+|status|remarks|source|created|last-modified|changed|"
    r"nic-hdl|person|role|address|phone|fax-no|e-?mail|abuse-mailbox|org(?:-name|name|id)?|"
    r"organi[sz]ation|parent|nettype|regdate|updated|ref|orgabuse\w*|orgtech\w*|rtech\w*|"
    r"comment|stateprov|postalcode|city|irt|auth|notify|members|mp-import|mp-export|import|"
    r"export|language|geoloc|sponsoring-org|netblock|aut-num|as-name)\s*:",
    re.I,
)


def is_whois_line(line: str) -> bool:
    """True for a line of pasted whois output (``inetnum:``, ``% RIPE ...``)."""
    return bool(_WHOIS_LINE.match(line))


def find_indicators(text: str) -> Iterator[Found]:
    """URLs and IP addresses in free text, in order, after refanging; whois lines skipped.

    Addresses inside a found URL are reported as part of the URL only; an address written
    as a network (``10.0.0.0/24``) or a range (``10.0.0.0 - 10.0.0.255``) is no offender
    and is skipped, but a ``/32`` (``/128``) is one host. A port written after an IPv4
    address (``1.2.3.4:8080``) travels with it. Each indicator carries its side (``role``).
    """
    previous = ""
    for number, raw_line in enumerate(text.splitlines()):
        if is_whois_line(raw_line):
            previous = ""
            continue
        line = (
            refang(raw_line)
            if (
                "[" in raw_line
                or "hxxp" in raw_line.lower()
                or "(.)" in raw_line
                or " dot " in raw_line.lower()
            )
            else raw_line
        )
        line = unpad_listed(line)
        spans: list[tuple[int, int]] = []
        for match in URL_RE.finditer(line):
            spans.append(match.span())
            yield Found("url", match.group(0), number, role=_role(line, match.start(), previous))
        for pattern in (IPV4_RE, IPV6_RE):
            for match in pattern.finditer(line):
                start, end = match.span()
                if any(s <= start < e for s, e in spans) or parse_ip(match.group(0)) is None:
                    continue  # inside a URL, or no address at all ("09:00:01")
                after = line[end : end + 6]
                before = line[max(0, start - 6) : start]
                host_prefix = re.match(r"/(?:32|128)(?!\d)", after)
                if (
                    (after.startswith("/") and not host_prefix)
                    or re.match(r"\s*-\s*\d", after)
                    or re.search(r"\d\s*-\s*$", before)
                ):
                    continue  # a network or a range
                if "@" in line[max(0, start - 1) : start]:
                    continue  # "user@[1.2.3.4]"-style or "10.0.0.1@example.com" local parts
                if line[end : end + 1] == "@":
                    continue
                port = (
                    re.match(r":(\d{1,5})(?![\d.:])", after)
                    # tcpdump writes the port after a dot: "IP 192.0.2.1.53 > 192.0.2.9.4444"
                    or re.match(r"\.(\d{1,5})(?= > |:\s)", line[end : end + 9])
                    if pattern is IPV4_RE
                    else None
                )
                yield Found(
                    "ip",
                    match.group(0),
                    number,
                    port=int(port.group(1)) if port and 0 < int(port.group(1)) < 65536 else None,
                    role=_role(line, start, previous),
                )
        previous = line
