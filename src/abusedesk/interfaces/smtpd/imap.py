"""IMAP polling of an existing abuse@ mailbox, as a part of ``abusedesk serve`` and one-shot.

Configured by ``ABUSEDESK_IMAP_HOST`` (the part is off without it), ``_PORT``, ``_TLS``,
``_USER``, ``_PASSWORD``, ``_MAILBOX`` and ``_POLL_SECONDS``. Each poll takes every unseen
message, stores it, and marks it ``\\Seen`` after the commit. A failing poll (server down,
login refused) is logged and tried again at the next interval; serving goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from abusedesk.adapters.mail.imap import ImapAccount, ImapMailbox
from abusedesk.bootstrap import Container
from abusedesk.config import Settings
from abusedesk.domain.complaints import Channel, MailboxItem, Receipt
from abusedesk.domain.errors import AbuseDeskError, ConfigurationError
from abusedesk.interfaces.serve_options import ServeOptions
from abusedesk.services.intake_mailbox import ImportReport, import_mailbox

log = logging.getLogger(__name__)


def imap_account(settings: Settings) -> ImapAccount:
    """The mailbox named by the settings; ``ConfigurationError`` says what is missing."""
    if not settings.imap_host:
        raise ConfigurationError("no IMAP server is configured: set ABUSEDESK_IMAP_HOST")
    if not settings.imap_user or settings.imap_password is None:
        raise ConfigurationError("set ABUSEDESK_IMAP_USER and ABUSEDESK_IMAP_PASSWORD for "
                                 f"the IMAP server {settings.imap_host}")
    return ImapAccount(host=settings.imap_host, port=settings.imap_port,
                       user=settings.imap_user,
                       password=settings.imap_password.get_secret_value(),
                       mailbox=settings.imap_mailbox, tls=settings.imap_tls)


def poll_imap_once(container: Container, account: ImapAccount, *,
                   on_item: Callable[[MailboxItem, Receipt | None], None] | None = None
                   ) -> ImportReport:
    """Take every unseen message of the mailbox once; blocking."""
    intake = container.intake
    with ImapMailbox(account, max_message_bytes=intake.max_message_bytes) as mailbox:
        return import_mailbox(mailbox, intake, channel=Channel.IMAP, on_item=on_item)


async def _poll_forever(container: Container, account: ImapAccount, interval: float) -> None:
    while True:
        try:
            report = await asyncio.to_thread(poll_imap_once, container, account)
        except AbuseDeskError as error:
            log.error("IMAP poll of %s failed: %s; next try in %gs", account.url(), error,
                      interval)
        except Exception:  # noqa: BLE001 - a poll must never stop the server
            log.exception("IMAP poll of %s failed; next try in %gs", account.url(), interval)
        else:
            if report.seen:
                log.info("IMAP poll of %s: %s", account.url(), report.summary())
            for source, why in report.failed:
                log.warning("IMAP message %s left unseen: %s", source, why)
        await asyncio.sleep(interval)


@asynccontextmanager
async def imap_poller_component(container: Container,
                                options: ServeOptions) -> AsyncIterator[str | None]:
    """Poll the configured IMAP mailbox every ``imap_poll_seconds`` while serving."""
    settings = container.settings
    if not settings.imap_host:
        yield None
        return
    account = imap_account(settings)
    poller = asyncio.create_task(_poll_forever(container, account, settings.imap_poll_seconds),
                                 name="imap-poller")
    try:
        yield f"imap: polling {account.url()} every {settings.imap_poll_seconds}s"
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
