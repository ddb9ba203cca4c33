"""Bounces and automatic replies: mail to abuse@ that is no complaint, routed away.

A delivery status notification (RFC 3464: ``multipart/report; report-type=delivery-status``,
or a ``message/delivery-status`` part) tells that one of abusedesk's own mails (a notice to a
customer, an acknowledgement) could not be delivered; it quotes that mail, offender and
clause included, and read as free text it would open a case against the very customer it
failed to reach. An automatic reply (RFC 3834 ``Auto-Submitted: auto-replied``: an
out-of-office, a ticket system's receipt) answers abusedesk and is no report either. Both are
recorded as not abuse with the reason; a bouncing representative contact is for the
notification side to flag. Reports that machines send on their own say ``auto-generated``
and are read as usual.
"""

from __future__ import annotations

from email.message import Message

from abusedesk.parsers import mime
from abusedesk.parsers.result import Context, ParseResult

DSN_FORMAT = "delivery-status"
AUTO_REPLY_FORMAT = "auto-reply"
DSN_REASON = "delivery status notification (RFC 3464): a bounce of a mail, not a complaint"
AUTO_REPLY_REASON = "automatic reply (RFC 3834 Auto-Submitted: auto-replied), not a complaint"


def parse(message: Message, ctx: Context) -> ParseResult | None:
    """A not-abuse result for a bounce or an automatic reply, else None."""
    if _is_dsn(message):
        return ParseResult.not_abuse_for(DSN_FORMAT, DSN_REASON, ctx)
    auto = (mime.header(message, "Auto-Submitted") or "").strip().lower()
    if auto.startswith("auto-replied"):
        return ParseResult.not_abuse_for(AUTO_REPLY_FORMAT, AUTO_REPLY_REASON, ctx)
    return None


def _is_dsn(message: Message) -> bool:
    if (
        mime.content_type(message) == "multipart/report"
        and (mime.content_param(message, "report-type") or "").lower() == "delivery-status"
    ):
        return True
    return any(
        mime.content_type(part) in ("message/delivery-status", "message/global-delivery-status")
        for part in mime.walk(message)
    )

