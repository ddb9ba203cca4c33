"""The ``BlocklistResolver`` port over the lean UDP client: nameserver choice, retries, decoding.

Each zone names its resolver: ``system`` (the nameservers of the host's resolver
configuration, read once) or ``host:port`` (``[v6]:port`` for IPv6; several separated by
commas). Every DNS failure comes back as a ``DnsAnswer`` status, never as an exception, so
the domain can tell "not listed" from "could not ask".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import cast

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver

from abusedesk.adapters.dns.udp_client import QTYPE_A, QTYPE_TXT, UdpDnsClient, encode_question
from abusedesk.domain.blocklists_zones import DnsAnswer, RecordType, ResponseStatus, Zone
from abusedesk.domain.errors import ConfigurationError

SYSTEM_RESOLVER = "system"
Server = tuple[str, int]

_QTYPES = {RecordType.A: QTYPE_A, RecordType.TXT: QTYPE_TXT}
_NXDOMAIN = DnsAnswer(ResponseStatus.NXDOMAIN)
_NODATA = DnsAnswer(ResponseStatus.NOERROR)
_RCODE_STATUS = {
    int(dns.rcode.SERVFAIL): ResponseStatus.SERVFAIL,
    int(dns.rcode.REFUSED): ResponseStatus.REFUSED,
}


def parse_resolver(text: str) -> tuple[Server, ...] | None:
    """``None`` for the system resolver, else the ``(host, port)`` pairs named by ``text``.

    Hosts must be IP literals: a nameserver found through DNS would make every sweep
    depend on one more lookup that can fail.
    """
    spec = text.strip()
    if spec.lower() == SYSTEM_RESOLVER:
        return None
    servers: list[Server] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        host, port = item, "53"
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else "53"
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            address = ipaddress.ip_address(host)
            number = int(port)
        except ValueError:
            raise ConfigurationError(
                f"resolver {item!r}: expected 'system', 'address:port' or '[ipv6]:port'"
            ) from None
        if not 0 < number < 65536:
            raise ConfigurationError(f"resolver {item!r}: port out of range")
        servers.append((str(address), number))
    if not servers:
        raise ConfigurationError("resolver is empty: use 'system' or 'address:port'")
    return tuple(servers)


def decode_reply(wire: bytes) -> DnsAnswer:
    """Turn a reply (already matched to its query) into a ``DnsAnswer``.

    Replies without records are read from the header alone; only replies that carry
    answers go through dnspython, which then also renders the evidence text.
    """
    rcode = wire[3] & 0x0F
    if rcode == dns.rcode.NXDOMAIN:
        return _NXDOMAIN
    if rcode != dns.rcode.NOERROR:
        status = _RCODE_STATUS.get(rcode, ResponseStatus.OTHER_RCODE)
        name = dns.rcode.to_text(cast(dns.rcode.Rcode, rcode))  # unassigned codes print as numbers
        return DnsAnswer(status, detail=f"server answered {name}")
    if wire[6] == 0 and wire[7] == 0:
        return _NODATA
    try:
        message = dns.message.from_wire(wire)
    except dns.exception.DNSException as error:
        return DnsAnswer(ResponseStatus.MALFORMED, detail=f"unreadable reply: {error}")
    return answer_from_message(message)


def answer_from_message(message: dns.message.Message) -> DnsAnswer:
    """Collect A and TXT records and the answer text of a parsed reply."""
    addresses: list[str] = []
    texts: list[str] = []
    for rrset in message.answer:
        for rdata in rrset:
            if rdata.rdtype == dns.rdatatype.A:
                addresses.append(rdata.address)
            elif rdata.rdtype == dns.rdatatype.TXT:
                texts.append(b"".join(rdata.strings).decode("utf-8", "replace"))
    evidence = "\n".join(rrset.to_text() for rrset in message.answer)
    return DnsAnswer(ResponseStatus.NOERROR, tuple(addresses), tuple(texts), evidence)


class UdpBlocklistResolver:
    """Answers blocklist questions through ``UdpDnsClient``; what sweeps and checks use."""

    def __init__(
        self,
        client: UdpDnsClient | None = None,
        system_nameservers: Sequence[str] | None = None,
    ) -> None:
        self._client = client or UdpDnsClient()
        self._system = system_nameservers
        self._servers: dict[str, tuple[Server, ...]] = {}

    def _servers_for(self, zone: Zone) -> tuple[Server, ...]:
        known = self._servers.get(zone.resolver)
        if known is None:
            known = parse_resolver(zone.resolver) or self._system_servers()
            self._servers[zone.resolver] = known
        return known

    def _system_servers(self) -> tuple[Server, ...]:
        if self._system is None:
            try:
                system = dns.resolver.Resolver()
            except dns.exception.DNSException:
                self._system = []
            else:
                self._system = [str(server) for server in system.nameservers]
        return tuple((host.split("%")[0], 53) for host in self._system)

    async def query(self, zone: Zone, name: str, rdtype: RecordType) -> DnsAnswer:
        """Ask ``name`` of the zone's nameservers, in turn, up to ``zone.attempts`` times."""
        servers = self._servers_for(zone)
        if not servers:
            return DnsAnswer(ResponseStatus.UNREACHABLE, detail="no system nameserver configured")
        try:
            question = encode_question(name, _QTYPES[rdtype], zone.domain)
        except (ValueError, UnicodeError) as error:
            return DnsAnswer(ResponseStatus.MALFORMED, detail=f"cannot ask {name!r}: {error}")
        failure = DnsAnswer(ResponseStatus.TIMEOUT)
        for attempt in range(max(1, zone.attempts)):
            host, port = servers[attempt % len(servers)]
            try:
                wire = await self._client.exchange(host, port, question, zone.timeout)
            except TimeoutError:
                failure = DnsAnswer(
                    ResponseStatus.TIMEOUT,
                    detail=f"no answer from {host}:{port} within {zone.timeout:g}s "
                    f"({attempt + 1} attempt{'s' if attempt else ''})",
                )
                continue
            except OSError as error:
                failure = DnsAnswer(
                    ResponseStatus.UNREACHABLE, detail=f"{host}:{port}: {error.strerror or error}"
                )
                continue
            if wire[2] & 0x02:  # truncated: ask again over TCP
                return await self._over_tcp(name, rdtype, host, port, zone.timeout)
            return decode_reply(wire)
        return failure

    async def _over_tcp(
        self, name: str, rdtype: RecordType, host: str, port: int, timeout: float
    ) -> DnsAnswer:
        query = dns.message.make_query(name, rdtype.value)
        try:
            reply = await dns.asyncquery.tcp(query, host, port=port, timeout=timeout)
        except dns.exception.Timeout:
            return DnsAnswer(ResponseStatus.TIMEOUT, detail=f"TCP to {host}:{port} timed out")
        except (OSError, EOFError) as error:
            return DnsAnswer(ResponseStatus.UNREACHABLE, detail=f"TCP to {host}:{port}: {error}")
        except dns.exception.DNSException as error:
            return DnsAnswer(ResponseStatus.MALFORMED, detail=f"TCP reply: {error}")
        return decode_reply(reply.to_wire())

    async def close(self) -> None:
        await self._client.close()
