"""The SMTP intake as a part of ``abusedesk serve`` (and as a server tests and benchmarks start).

``smtp_server`` binds the abuse@ server in the running asyncio loop; ``smtp_intake_component``
is the serve part, configured by ``ABUSEDESK_SMTP_HOST``/``ABUSEDESK_SMTP_PORT`` (port 0
picks a free port and the line printed at start names it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import RecipientPolicy
from abusedesk.domain.errors import ConfigurationError
from abusedesk.interfaces.serve_options import ServeOptions
from abusedesk.interfaces.smtpd.server import IntakeHandler, IntakeSMTP
from abusedesk.interfaces.smtpd.writer import GroupCommitWriter
from abusedesk.services.intake import size_limit_text

#: Writer threads storing complaints at once on PostgreSQL; SQLite takes one writer at a
#: time, so it gets one thread (two would only wait on each other's locks).
POSTGRES_WRITERS = 4


@dataclass
class RunningSmtp:
    server: asyncio.Server
    host: str
    port: int
    recipients: RecipientPolicy


def recipient_policy(container: Container) -> RecipientPolicy:
    settings = container.settings
    return RecipientPolicy(local_parts=tuple(settings.smtp_local_parts),
                           aliases=tuple(settings.smtp_aliases))


@asynccontextmanager
async def smtp_server(container: Container, *, host: str | None = None,
                      port: int | None = None) -> AsyncIterator[RunningSmtp]:
    """Serve SMTP intake on ``host:port`` (default: the settings) until the block ends."""
    settings = container.settings
    host = host if host is not None else settings.smtp_host
    port = port if port is not None else settings.smtp_port
    loop = asyncio.get_running_loop()
    intake = container.intake
    recipients = recipient_policy(container)
    writer = GroupCommitWriter(intake, threads=1 if settings.is_embedded else POSTGRES_WRITERS)
    writer.start()
    handler = IntakeHandler(writer, recipients)
    try:
        server = await loop.create_server(
            lambda: IntakeSMTP(handler, max_message_bytes=settings.max_message_bytes,
                               hostname=settings.smtp_hostname, ident="abusedesk ESMTP",
                               loop=loop),
            host=host, port=port)
    except OSError as error:
        await asyncio.to_thread(writer.stop)
        raise ConfigurationError(
            f"the SMTP intake cannot listen on {host}:{port}: {error.strerror or error}; "
            "set ABUSEDESK_SMTP_HOST and ABUSEDESK_SMTP_PORT") from None
    except BaseException:
        await asyncio.to_thread(writer.stop)
        raise
    bound_host, bound_port = server.sockets[0].getsockname()[:2]
    try:
        yield RunningSmtp(server, str(bound_host), int(bound_port), recipients)
    finally:
        server.close()
        await server.wait_closed()
        # Let writes in flight commit; if their sessions are gone, the senders retry and
        # the retries are recorded as duplicates.
        await asyncio.to_thread(writer.stop)


@asynccontextmanager
async def smtp_intake_component(container: Container,
                                options: ServeOptions) -> AsyncIterator[str | None]:
    """The abuse@ SMTP server, always on in ``abusedesk serve``."""
    async with smtp_server(container) as running:
        limit = size_limit_text(container.settings.max_message_bytes)
        yield (f"smtp: abuse@ intake on {running.host}:{running.port} for "
               f"{running.recipients.describe()} (messages up to {limit})")
