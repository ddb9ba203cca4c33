"""The shared-socket UDP client against a scripted nameserver on loopback.

rbldnsd cannot be made to answer SERVFAIL, truncate, or send a reply for the wrong question;
this small server, driven by dnspython, can.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import replace

import dns.flags
import dns.message
import dns.rcode
import dns.rrset

from abusedesk.adapters.dns.dnsbl_resolver import UdpBlocklistResolver
from abusedesk.adapters.dns.udp_client import QTYPE_A, UdpDnsClient, encode_question
from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.blocklists_zones import RecordType, ResponseStatus, Zone

Behaviour = Callable[[dns.message.Message], list[bytes]]


def listing(query: dns.message.Message, address: str = "127.0.0.2") -> dns.message.Message:
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", address))
    return reply


class ScriptedServer(asyncio.DatagramProtocol):
    """Answers each query with whatever ``behaviour`` returns (zero or more datagrams)."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.transport: asyncio.DatagramTransport | None = None
        self.queries = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.queries += 1
        for datagram in self.behaviour(dns.message.from_wire(data)):
            assert self.transport is not None
            self.transport.sendto(datagram, addr)


async def serve(behaviour: Behaviour) -> tuple[ScriptedServer, asyncio.DatagramTransport, int]:
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        lambda: ScriptedServer(behaviour), local_addr=("127.0.0.1", 0))
    return server, transport, transport.get_extra_info("sockname")[1]


def zone_at(port: int) -> Zone:
    return Zone("scripted", "bl.test", frozenset({TargetKind.IPV4}),
                resolver=f"127.0.0.1:{port}", timeout=0.3, attempts=1)


def ask(behaviour: Behaviour, name: str = "2.0.0.127.bl.test") -> tuple[object, ScriptedServer]:
    async def run() -> tuple[object, ScriptedServer]:
        server, transport, port = await serve(behaviour)
        resolver = UdpBlocklistResolver()
        try:
            return await resolver.query(zone_at(port), name, RecordType.A), server
        finally:
            await resolver.close()
            transport.close()

    return asyncio.run(run())


def test_servfail_is_reported_as_servfail() -> None:
    def servfail(query: dns.message.Message) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.SERVFAIL)
        return [reply.to_wire()]

    answer, _ = ask(servfail)
    assert answer.status is ResponseStatus.SERVFAIL  # type: ignore[attr-defined]


def test_reply_for_another_question_or_garbage_is_ignored() -> None:
    """A forged reply with the right id but another name must not answer the query."""

    def forged_then_true(query: dns.message.Message) -> list[bytes]:
        forged = dns.message.make_query("9.9.9.9.bl.test", "A")
        forged.id = query.id
        return [b"\x00\x01", listing(forged, "127.0.0.4").to_wire(), listing(query).to_wire()]

    async def run() -> tuple[bytes, int]:
        server, transport, port = await serve(forged_then_true)
        client = UdpDnsClient()
        try:
            question = encode_question("2.0.0.127.bl.test", QTYPE_A)
            wire = await client.exchange("127.0.0.1", port, question, 1.0)
            await asyncio.sleep(0.05)
            return wire, client.strays
        finally:
            await client.close()
            transport.close()

    wire, strays = asyncio.run(run())
    reply = dns.message.from_wire(wire)
    assert [rr.to_text() for rr in reply.answer] == ["2.0.0.127.bl.test. 60 IN A 127.0.0.2"]
    assert strays == 2


def test_no_reply_is_a_timeout_and_each_attempt_is_sent() -> None:
    async def run() -> tuple[object, int]:
        server, transport, port = await serve(lambda query: [])
        resolver = UdpBlocklistResolver()
        try:
            answer = await resolver.query(replace(zone_at(port), attempts=3), "2.0.0.127.bl.test",
                                          RecordType.A)
            return answer, server.queries
        finally:
            await resolver.close()
            transport.close()

    answer, queries = asyncio.run(run())
    assert answer.status is ResponseStatus.TIMEOUT  # type: ignore[attr-defined]
    assert queries == 3


def test_truncated_reply_is_asked_again_over_tcp() -> None:
    async def run() -> object:
        async def tcp_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            size = struct.unpack("!H", await reader.readexactly(2))[0]
            query = dns.message.from_wire(await reader.readexactly(size))
            wire = listing(query, "127.0.0.9").to_wire()
            writer.write(struct.pack("!H", len(wire)) + wire)
            await writer.drain()
            writer.close()

        def truncated(query: dns.message.Message) -> list[bytes]:
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.TC
            return [reply.to_wire()]

        server, transport, port = await serve(truncated)
        tcp = await asyncio.start_server(tcp_client, "127.0.0.1", port)
        resolver = UdpBlocklistResolver()
        try:
            return await resolver.query(zone_at(port), "2.0.0.127.bl.test", RecordType.A)
        finally:
            await resolver.close()
            transport.close()
            tcp.close()

    answer = asyncio.run(run())
    assert answer.status is ResponseStatus.NOERROR  # type: ignore[attr-defined]
    assert answer.addresses == ("127.0.0.9",)  # type: ignore[attr-defined]


def test_many_queries_share_one_socket_and_each_gets_its_own_answer() -> None:
    def echo_octet(query: dns.message.Message) -> list[bytes]:
        first = query.question[0].name.labels[0].decode()
        return [listing(query, f"127.0.0.{first}").to_wire()]

    async def run() -> list[object]:
        server, transport, port = await serve(echo_octet)
        resolver = UdpBlocklistResolver()
        zone = zone_at(port)
        try:
            return list(await asyncio.gather(*(
                resolver.query(zone, f"{n}.0.0.127.bl.test", RecordType.A) for n in range(1, 201))))
        finally:
            await resolver.close()
            transport.close()

    answers = asyncio.run(run())
    assert [a.addresses for a in answers] == [(f"127.0.0.{n}",) for n in range(1, 201)]  # type: ignore[attr-defined]
