"""SMTP helpers for tests and benchmarks: ARF complaints written here, a real client, and the
abusedesk SMTP server run in a background thread of the test process.

``arf_complaint`` builds a small RFC 5965 feedback report (this project's own fixture, not a
corpus file) with CRLF line ends, as it travels over SMTP, so the bytes a test sends are the
bytes abusedesk must store.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def crlf(text: str) -> bytes:
    """``text`` with CRLF line ends, UTF-8 encoded."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def arf_complaint(*, source_ip: str, message_id: str, arrival: datetime | None = None,
                  reporter: str = "fbl@feedback.example.org",
                  feedback_type: str = "abuse", note: str = "") -> bytes:
    """An ARF feedback report about spam sent from ``source_ip``."""
    arrival = arrival or datetime(2026, 2, 20, 8, 15, tzinfo=UTC)
    when = format_datetime(arrival)
    return crlf(f"""\
From: Feedback Loop <{reporter}>
To: abuse@hosting.example.net
Subject: Abuse report for {source_ip}
Date: {when}
Message-ID: <{message_id}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-boundary"

--arf-boundary
Content-Type: text/plain; charset=utf-8

This is an abuse report for a message received from IP {source_ip}.{note}

--arf-boundary
Content-Type: message/feedback-report

Feedback-Type: {feedback_type}
User-Agent: ExampleFBL/2.1
Version: 1
Arrival-Date: {when}
Source-IP: {source_ip}
Original-Rcpt-To: <victim@mail.example.org>

--arf-boundary
Content-Type: message/rfc822

Received: from sender.example.com ([{source_ip}]) by mx.mail.example.org; {when}
From: Cheap Offers <offers@sender.example.com>
To: victim@mail.example.org
Subject: You won
Date: {when}
Message-ID: <spam-{message_id}>

Buy now.

--arf-boundary--
""")


@dataclass(frozen=True)
class Reply:
    """What the server answered to one message, or why there was no answer."""

    code: int | None  # None: the connection failed or closed before a reply
    text: str

    @property
    def accepted(self) -> bool:
        return self.code == 250


def send(host: str, port: int, raw: bytes, *, mail_from: str = "fbl@feedback.example.org",
         rcpt_tos: Sequence[str] = ("abuse@hosting.example.net",),
         timeout: float = 30.0) -> Reply:
    """Deliver one message over a new connection; the reply to DATA (or the failure)."""
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as client:
            return deliver(client, raw, mail_from=mail_from, rcpt_tos=rcpt_tos)
    except (OSError, smtplib.SMTPException) as error:
        return Reply(None, f"{type(error).__name__}: {error}")


def deliver(client: smtplib.SMTP, raw: bytes, *, mail_from: str,
            rcpt_tos: Sequence[str]) -> Reply:
    """MAIL, RCPT, DATA on an open client; the first refusal or the DATA reply."""
    client.ehlo_or_helo_if_needed()
    code, text = client.mail(mail_from)
    if code != 250:
        client.rset()
        return Reply(code, text.decode("utf-8", "replace"))
    for rcpt in rcpt_tos:
        code, text = client.rcpt(rcpt)
        if code not in (250, 251):
            client.rset()
            return Reply(code, text.decode("utf-8", "replace"))
    code, text = client.data(raw)
    return Reply(code, text.decode("utf-8", "replace"))


@contextmanager
def smtp_in_thread(container: object) -> Iterator[tuple[str, int]]:
    """Run abusedesk's SMTP intake for ``container`` in a background event loop."""
    from abusedesk.interfaces.smtpd.component import smtp_server

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Event | None = None
    address: dict[str, object] = {}

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        try:
            async with smtp_server(container, host="127.0.0.1", port=0) as running:
                address["host"], address["port"] = running.host, running.port
                ready.set()
                await stop.wait()
        except BaseException as error:  # surface start-up failures to the test
            address["error"] = error
            ready.set()
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(30) or "error" in address:
        raise RuntimeError(f"the SMTP server did not start: {address.get('error')}")
    try:
        yield str(address["host"]), int(address["port"])  # type: ignore[arg-type]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
