"""A lean DNS-over-UDP client for sweeps: one shared socket per nameserver, many queries in flight.

dnspython's full ``Resolver`` opens a socket, builds a message object and parses the whole
reply for every query; a sweep of a /16 against four zones makes a quarter of a million
queries, so this client keeps one connected socket per nameserver, writes the query bytes
itself, tells replies apart by id *and* question (a late reply to a timed-out query whose id
was reused must not answer the new one), and hands the raw reply back. Parsing is left to
the caller, which only needs dnspython for the rare replies that carry records.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
import struct
from typing import Any, cast

QTYPE_A = 1
QTYPE_TXT = 16
_CLASS_IN = 1
_HEADER = struct.Struct("!HHHHHH")
_FLAGS_RD = 0x0100  # recursion desired: needed when the nameserver is a recursive resolver


def encode_question(name: str, rdtype: int, zone: str = "") -> bytes:
    """Wire form of the question section for ``name`` (ASCII, no trailing dot) and ``rdtype``.

    When ``name`` ends in ``zone``, the zone's part is encoded once and reused: in a sweep
    only the first labels change from one query to the next. Raises ``ValueError`` for a
    name that DNS cannot carry (empty label, label over 63 octets, name over 255 octets,
    non-ASCII).
    """
    name = name.rstrip(".")
    if zone and name.endswith("." + zone):
        head, tail = name[: -len(zone) - 1], _zone_question(zone, rdtype)
    else:
        head, tail = name, _ROOT + struct.pack("!HH", rdtype, _CLASS_IN)
    parts = []
    for label in head.split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad label {label!r} in {name!r}")
        parts.append(bytes((len(raw),)) + raw)
    # Lower-cased so that a reply echoing the name in another case still matches.
    wire = b"".join(parts).lower() + tail
    if len(wire) - 4 > 255:
        raise ValueError(f"{name!r} is longer than DNS allows")
    return wire


_ROOT = b"\x00"


@functools.lru_cache(maxsize=256)
def _zone_question(zone: str, rdtype: int) -> bytes:
    return encode_question(zone, rdtype)


class _Endpoint(asyncio.DatagramProtocol):
    """The socket to one nameserver and the queries waiting for its replies."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[bytes, asyncio.Future[bytes]]] = {}
        self.strays = 0  # replies that matched no waiting query (late, spoofed, garbled)
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12 or not data[2] & 0x80:  # too short, or not a response
            self.strays += 1
            return
        query_id = (data[0] << 8) | data[1]
        waiting = self.pending.get(query_id)
        if waiting is None:
            self.strays += 1
            return
        question, future = waiting
        if data[4:6] != b"\x00\x01" or data[12 : 12 + len(question)].lower() != question:
            self.strays += 1
            return
        del self.pending[query_id]
        if not future.done():
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # On a connected UDP socket this is an ICMP error (port unreachable, no route) for
        # the nameserver as a whole: every query waiting on it has failed.
        for _question, future in self.pending.values():
            if not future.done():
                future.set_exception(exc)
        self.pending.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error_received(exc or ConnectionError("socket closed"))


class UdpDnsClient:
    """Sends questions to nameservers over shared UDP sockets; one instance per event loop."""

    def __init__(self, receive_buffer: int = 4 << 20) -> None:
        self._receive_buffer = receive_buffer
        self._endpoints: dict[tuple[str, int], _Endpoint] = {}
        self._opening: dict[tuple[str, int], asyncio.Lock] = {}
        self._random = b""
        self._random_at = 0

    def _query_id(self) -> int:
        # Unpredictable ids (a spoofed reply must guess one), drawn from the system's
        # random source a few thousand at a time rather than by one system call each.
        if self._random_at >= len(self._random):
            self._random, self._random_at = os.urandom(8192), 0
        at = self._random_at
        self._random_at = at + 2
        return (self._random[at] << 8) | self._random[at + 1]

    async def _endpoint(self, host: str, port: int) -> _Endpoint:
        key = (host, port)
        endpoint = self._endpoints.get(key)
        if endpoint is not None and not endpoint.closed:
            return endpoint
        lock = self._opening.setdefault(key, asyncio.Lock())
        async with lock:
            endpoint = self._endpoints.get(key)
            if endpoint is None or endpoint.closed:
                endpoint = await self._open(host, port)
                self._endpoints[key] = endpoint
        return endpoint

    async def _open(self, host: str, port: int) -> _Endpoint:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            # Replies arrive in bursts while the loop may be busy (garbage collection, a
            # slow consumer); the default buffer of ~200 KiB drops some on loopback, and a
            # dropped reply costs a whole timeout. The kernel caps this at rmem_max.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._receive_buffer)
            sock.setblocking(False)
            sock.connect((host, port))
        except OSError:
            sock.close()
            raise
        loop = asyncio.get_running_loop()
        _transport, endpoint = await loop.create_datagram_endpoint(_Endpoint, sock=sock)
        return endpoint

    async def exchange(self, host: str, port: int, question: bytes, timeout: float) -> bytes:
        """Send one query carrying ``question`` (from ``encode_question``), return the reply.

        Raises ``TimeoutError`` when no matching reply came within ``timeout`` seconds and
        ``OSError`` when the nameserver cannot be reached.
        """
        endpoint = await self._endpoint(host, port)
        if len(endpoint.pending) >= 60000:
            raise OSError("too many queries in flight to one nameserver")
        query_id = self._query_id()
        while query_id in endpoint.pending:
            query_id = self._query_id()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        endpoint.pending[query_id] = (question, future)
        timer = loop.call_later(timeout, _expire, endpoint, query_id, future)
        try:
            assert endpoint.transport is not None
            endpoint.transport.sendto(_HEADER.pack(query_id, _FLAGS_RD, 1, 0, 0, 0) + question)
            return await future
        finally:
            timer.cancel()
            if endpoint.pending.get(query_id, (None, None))[1] is future:
                del endpoint.pending[query_id]

    @property
    def strays(self) -> int:
        """Replies ignored because they answered no waiting query."""
        return sum(endpoint.strays for endpoint in self._endpoints.values())

    async def close(self) -> None:
        for endpoint in self._endpoints.values():
            if endpoint.transport is not None:
                endpoint.transport.close()
        self._endpoints.clear()


def _expire(endpoint: _Endpoint, query_id: int, future: asyncio.Future[bytes]) -> None:
    if endpoint.pending.get(query_id, (None, None))[1] is future:
        del endpoint.pending[query_id]
    if not future.done():
        future.set_exception(TimeoutError())
