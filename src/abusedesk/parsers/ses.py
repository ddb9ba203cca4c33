"""Amazon SES notifications, as Amazon SNS delivers them: complaints, bounces, deliveries.

A sender on Amazon SES subscribes an address to the SNS topic of its feedback; SNS mails
each notification as the JSON object itself (the ``email`` protocol, followed by SNS's
unsubscribe trailer) or inside SNS's own envelope, whose ``Message`` is that object as a
string (``email-json``). The object names its kind in ``notificationType`` (``eventType``
when it comes from SES event publishing) and describes the sent mail in ``mail``.

A ``Complaint`` is a recipient's spam complaint that SES relays from the receiver's feedback
loop: the offender is the client that handed the mail to SES (``mail.sourceIp``) with the
envelope sender (``mail.source``), dated by when the mail was sent (``mail.timestamp``); the
kind comes from ``complaintFeedbackType`` as in ARF. Everything else (``Bounce``,
``Delivery``, ``Send``, ``Reject``, ``Received`` …) and a complaint about a mail SES never
sent (``complaintSubType: OnAccountSuppressionList``) is no complaint and is routed away.
"""

from __future__ import annotations

from email.message import Message
from typing import Any

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import indicators, mime
from abusedesk.parsers.arf import FEEDBACK_TYPES, NOT_ABUSE_REASONS
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.timeparse import parse_iso
from abusedesk.parsers.xarf_json import load_json

FORMAT = "amazon-ses"
SUPPRESSED = "onaccountsuppressionlist"


def parse_mail(message: Message, ctx: Context) -> ParseResult | None:
    """Read an SES notification mailed by SNS, or return None when ``message`` is none."""
    for part in mime.walk(message):
        if part.is_multipart() or mime.content_type(part) != "text/plain":
            continue
        text = mime.text_of(part, ctx.limits).lstrip("\ufeff \t\r\n")
        if not text.startswith("{") or '"mail"' not in text and '"Message"' not in text:
            continue
        try:
            data = load_json(text.encode("utf-8"), ctx, "the SNS notification", trailing=True)
        except ParseError:
            continue
        notification = unwrap(data, ctx)
        if notification is not None:
            return parse(notification, ctx)
    return None


def unwrap(data: Any, ctx: Context) -> dict[str, Any] | None:
    """The SES notification in ``data`` (itself, or the ``Message`` of an SNS envelope)."""
    if isinstance(data, dict) and data.get("Type") == "Notification":
        inner = data.get("Message")
        if not isinstance(inner, str) or not inner.lstrip().startswith("{"):
            return None
        data = load_json(inner.encode("utf-8"), ctx, "the SNS Message")
    return data if is_notification(data) else None


def is_notification(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("mail"), dict)
        and isinstance(data.get("notificationType") or data.get("eventType"), str)
    )


def parse(data: dict[str, Any], ctx: Context) -> ParseResult:
    """Events of one SES notification (a complaint), or a not-abuse result."""
    kind = str(data.get("notificationType") or data.get("eventType"))
    complaint = data.get("complaint")
    if kind.lower() != "complaint" or not isinstance(complaint, dict):
        return ParseResult.not_abuse_for(
            FORMAT, f"Amazon SES {kind} notification about a mail sent, not a complaint", ctx
        )
    if str(complaint.get("complaintSubType") or "").lower() == SUPPRESSED:
        return ParseResult.not_abuse_for(
            FORMAT,
            "Amazon SES did not send the mail (the recipient is on the account's suppression "
            "list); no new complaint",
            ctx,
        )
    feedback_type = str(complaint.get("complaintFeedbackType") or "abuse").strip().lower()
    if feedback_type in NOT_ABUSE_REASONS:
        return ParseResult.not_abuse_for(FORMAT, NOT_ABUSE_REASONS[feedback_type], ctx)
    pair = FEEDBACK_TYPES.get(feedback_type)
    if pair is None:
        ctx.warnings.append(f"unknown complaintFeedbackType {feedback_type!r}; read as abuse")
        pair = ("messaging", "spam")
    mail = data["mail"]
    time = parse_iso(str(mail.get("timestamp") or ""))
    recipients = [r.get("emailAddress") for r in complaint.get("complainedRecipients") or [] if r]
    event = ctx.event(
        *pair,
        ip=indicators.offender_ip(mail.get("sourceIp")),
        email=indicators.email_address(str(mail.get("source") or "")),
        time=time,
        time_field="SES mail.timestamp" if time else None,
        report_id=str(complaint.get("feedbackId") or "") or None,
        evidence="Amazon SES complaint notification",
        details={
            "feedback_type": feedback_type,
            "user_agent": complaint.get("userAgent"),
            "complained_recipients": ", ".join(str(r) for r in recipients if r),
            "ses_message_id": mail.get("messageId"),
            "sending_account": mail.get("sendingAccountId"),
            "source_arn": mail.get("sourceArn"),
        },
    )
    return ParseResult(
        FORMAT, (event,) if event else (), reporter=ctx.reporter, subject=ctx.subject
    )

