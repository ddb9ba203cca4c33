"""The abuse@ SMTP server: aiosmtpd in the asyncio loop of ``abusedesk serve``.

Replies, all decided here:

* ``RCPT TO`` an address the recipient rules do not accept: ``550 5.1.1``.
* ``MAIL FROM ... SIZE=`` over the limit, or DATA growing past it while received: ``552
  5.3.4`` with the limit in words (aiosmtpd stops buffering at the limit).
* DATA stored and committed: ``250 2.0.0`` with the complaint number. The database write
  runs in writer threads (``writer``, with group commit) so the loop keeps serving other
  sessions while it commits.
* The database failed: ``451 4.3.0``; the sending MTA keeps the message and retries.
* An empty message: ``554 5.6.0`` (there is nothing to keep).

The bytes stored are the DATA as the client sent it after dot-unstuffing, with nothing
added: the envelope, peer and HELO name are kept beside them, not written into them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from abusedesk.domain.complaints import Envelope, RecipientPolicy
from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.interfaces.smtpd.writer import GroupCommitWriter
from abusedesk.services.intake import size_limit_text

log = logging.getLogger(__name__)

#: Longest line accepted in DATA. RFC 5321 says 1,000 octets, but complaint generators
#: write longer lines (unwrapped HTML, long headers); refusing them would lose complaints.
LINE_LIMIT = 1024 * 1024


def peer_text(peer: Any) -> str | None:
    """``address:port`` of a socket peer (IPv6 addresses in brackets)."""
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = str(peer[0]), peer[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return str(peer) if peer else None


class IntakeHandler:
    """aiosmtpd hooks: check recipients, store DATA, answer after the commit."""

    def __init__(self, writer: GroupCommitWriter, recipients: RecipientPolicy) -> None:
        self.writer = writer
        self.recipients = recipients

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: SmtpEnvelope,
                          address: str, rcpt_options: list[str]) -> str:
        if not self.recipients.accepts(address):
            return (f"550 5.1.1 <{address}>: no such mailbox here; abuse reports go to "
                    f"{self.recipients.describe()}")
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content if isinstance(envelope.content, bytes) else b""
        smtp_envelope = Envelope(
            mail_from=envelope.mail_from if envelope.mail_from != "<>" else "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            peer=peer_text(session.peer),
            helo=session.host_name,
        )
        try:
            receipt = await asyncio.wrap_future(self.writer.submit(raw, smtp_envelope))
        except InputLimitExceeded as error:
            return f"552 5.3.4 {error}"
        except InvalidInput as error:
            return f"554 5.6.0 {error}"
        except Exception:  # noqa: BLE001 - any failure to store must make the sender retry
            log.exception("could not store a message from %s; answered 451", smtp_envelope.peer)
            return "451 4.3.0 abusedesk could not store the message; please try again later"
        if receipt.is_duplicate:
            return (f"250 2.0.0 Stored as complaint {receipt.complaint_id}, a duplicate of "
                    f"complaint {receipt.duplicate_of}")
        return f"250 2.0.0 Stored as complaint {receipt.complaint_id}"


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP with long lines allowed and size replies that say what the limit is."""

    line_length_limit = LINE_LIMIT

    def __init__(self, handler: IntakeHandler, *, max_message_bytes: int, **options: Any) -> None:
        super().__init__(handler, data_size_limit=max_message_bytes, enable_SMTPUTF8=True,
                         decode_data=False, **options)
        self._too_big = (f"552 5.3.4 Message too big: abusedesk accepts at most "
                         f"{size_limit_text(max_message_bytes)} per complaint; "
                         "send a smaller message or a link to the evidence")

    async def push(self, status: Any) -> None:
        # aiosmtpd words its size refusals generically; say what the limit is instead.
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else str(status)
        if text.startswith(("552 Error: Too much mail data",
                            "552 Error: message size exceeds fixed maximum")):
            status = self._too_big
        elif text.startswith("500 Line too long"):
            status = (f"500 5.5.2 Line too long: abusedesk accepts lines of at most "
                      f"{size_limit_text(LINE_LIMIT)}")
        await super().push(status)
