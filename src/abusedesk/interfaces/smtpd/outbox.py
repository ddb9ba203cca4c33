"""The demo outbox: a local SMTP server that keeps outgoing notices as files.

``serve --demo`` on a machine without a mail relay starts it and sends notices there, so a
new user sees cases notified and their deadlines running, and can read every notice and
acknowledgement abusedesk wrote, as ``.eml`` files in ``<data dir>/demo-outbox``. It is
never used outside the demo.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from abusedesk.bootstrap import Container
from abusedesk.interfaces.serve_options import DemoOutbox, ServeOptions


class OutboxHandler:
    """Accepts every message and writes its bytes to a file of its own."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{next(self._numbers):05d}.eml"
        data = envelope.original_content or b""
        await asyncio.to_thread(path.write_bytes, data)
        return "250 kept in the demo outbox"


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def relay_answers(host: str, port: int, *, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@asynccontextmanager
async def demo_outbox_component(container: Container,
                                options: ServeOptions) -> AsyncIterator[str | None]:
    """Serve the demo outbox when ``serve --demo`` chose to use one."""
    outbox: DemoOutbox | None = options.outbox
    if outbox is None:
        yield None
        return
    outbox.directory.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    handler = OutboxHandler(outbox.directory)

    def protocol() -> Any:
        return SMTP(handler, hostname="demo-outbox.localhost", decode_data=False, loop=loop)

    server = await loop.create_server(protocol, host="127.0.0.1", port=outbox.port)
    try:
        yield (f"demo: no mail relay answers, so notices go to a local outbox: "
               f"{outbox.directory} (one .eml file each)")
    finally:
        server.close()
        await server.wait_closed()
