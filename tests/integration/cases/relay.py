"""A real SMTP server on loopback standing in for the provider's relay, keeping what it gets.

aiosmtpd runs the SMTP protocol in a thread; the handler stores every delivered message
as the exact bytes of its DATA (dot-unstuffed, nothing added), with its envelope. A
handler can be told to refuse with a given reply, to test failures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.support.smtp import free_tcp_port


@dataclass(frozen=True)
class Delivered:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...]


@dataclass
class _Handler:
    messages: list[Delivered] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "550 5.1.1 no such user" or "451 4.3.0 try later"
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse_with is not None:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.arrived:
            self.messages.append(Delivered(envelope.mail_from, tuple(envelope.rcpt_tos),
                                           bytes(envelope.original_content or envelope.content),
                                           tuple(envelope.mail_options)))
            self.arrived.notify_all()
        return "250 2.0.0 OK queued as test"


class CapturingRelay:
    """Start with ``start()``; ``messages`` holds what was delivered."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_tcp_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Delivered]:
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str) -> list[Delivered]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def refuse(self, reply: str | None) -> None:
        self.handler.refuse_with = reply

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Delivered]:
        """Block until ``count`` messages arrived (or fail after ``timeout`` seconds)."""
        with self.handler.arrived:
            ok = self.handler.arrived.wait_for(lambda: len(self.handler.messages) >= count,
                                               timeout)
            if not ok:
                raise AssertionError(f"expected {count} message(s) at the relay, got "
                                     f"{len(self.handler.messages)}")
            return list(self.handler.messages)

    def wait_until(self, predicate: Callable[[Delivered], bool], *,
                   timeout: float = 60.0) -> Delivered:
        """Block until a message matching ``predicate`` arrived; return it."""
        with self.handler.arrived:
            found: list[Delivered] = []

            def seen() -> bool:
                found[:] = [m for m in self.handler.messages if predicate(m)]
                return bool(found)

            if not self.handler.arrived.wait_for(seen, timeout):
                raise AssertionError(f"no matching message at the relay within {timeout:g} s "
                                     f"({len(self.handler.messages)} others)")
            return found[0]

    def start(self) -> CapturingRelay:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def split_multipart(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Split a multipart message at the byte level: its header block and each part's
    ``(headers, body)``, where body is exactly the bytes between the part's blank line and
    the CRLF that precedes the next delimiter (RFC 2046 section 5.1.1)."""
    head, _, body = data.partition(b"\r\n\r\n")
    marker = b'boundary="'
    start = head.index(marker) + len(marker)
    boundary = head[start:head.index(b'"', start)]
    delimiter = b"\r\n--" + boundary
    pieces = (b"\r\n" + body).split(delimiter)
    parts = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        piece = piece[2:]  # the CRLF ending the delimiter line
        part_head, _, part_body = piece.partition(b"\r\n\r\n")
        parts.append((part_head, part_body))
    return head, parts
