"""Sending queued notices: render, assemble, hand to the relay, record.

``NotificationService.send`` runs as the ``notices.send`` job. It reads the notice and
everything it speaks of in one transaction, renders and sends outside any transaction
(the relay may be slow), and records the outcome in another. A first notice that reached
the relay moves its case from ``new`` to ``notified``, which starts the deadline at the
moment of sending. A relay that refuses for good, or a party without a representative,
marks the notice and puts the case in front of staff. Delivery is at least once: a job
that dies after the relay accepted sends again with the same Message-ID.

What never leaves: for a restricted clause (``Clause.restricted``, child sexual abuse
material) no complaint is attached and no event detail is rendered, whatever template is
used; acknowledgements go only where RFC 3834 allows (``auto_reply_refusal``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Notice
from abusedesk.domain.cases_ports import DeliveryFailed, Mailer
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import InvalidInput, NotFound
from abusedesk.domain.notices import NoticeKind, NoticeStatus, assemble_message
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import SYSTEM_ACTOR, record
from abusedesk.services.cases import find_case, move
from abusedesk.services.cases_queue import queue_case_notice
from abusedesk.services.notifications_drafts import Draft, DraftBuilder, NoticeSettings, Refusal
from abusedesk.services.notifications_render import NoticeRenderer

#: Attempts at a notice before a relay that keeps failing is treated as a refusal.
MAX_ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class SendOutcome:
    notice: Notice
    message: bytes | None = None  # the bytes the relay accepted


class NotificationService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *, mailer: Mailer,
                 renderer: NoticeRenderer, settings: NoticeSettings, key: bytes,
                 leads: Sequence[timedelta] = ()) -> None:
        self._uow = uow
        self._clock = clock
        self._mailer = mailer
        self._settings = settings
        self._drafts = DraftBuilder(clock, renderer, settings, key)
        self._leads = tuple(leads)

    def notify(self, reference: str, *, kind: NoticeKind = NoticeKind.NOTICE,
               actor: str) -> Notice:
        """Queue a notice by hand (a resend, or the first notice of a restricted case)."""
        with self._uow() as uow:
            case = find_case(uow, reference)
            if kind is NoticeKind.ACKNOWLEDGEMENT:
                raise InvalidInput("acknowledgements go to complainants, not to a case's "
                                   "customer")
            if kind is NoticeKind.OPTIN_REQUEST:
                raise InvalidInput("an opt-in evidence request is mailed when it is made, "
                                   "about that request")
            serial = self._clock.now().isoformat()
            notice = queue_case_notice(uow, self._clock, case, kind, complaint_id=None,
                                       requested_by=actor, serial=serial)
            assert notice is not None
            uow.commit()
        return notice

    def send(self, notice_id: int) -> SendOutcome:
        """Render and send one queued notice; a no-op for one already sent or given up."""
        with self._uow() as uow:
            notice = uow.notices.get(notice_id)
            if notice is None:
                raise NotFound(f"no notice {notice_id}")
            if notice.status is not NoticeStatus.QUEUED:
                return SendOutcome(notice)
            draft = self._drafts.build(uow, notice)
        if isinstance(draft, Refusal):
            return SendOutcome(self._suppress(notice, draft))
        try:
            sent = self._mailer.send(sender=self._settings.mail_from,
                                     recipients=[draft.recipient],
                                     compose=lambda eight_bit: assemble_message(
                                         draft.headers, text=draft.rendered.text,
                                         html=draft.rendered.html, original=draft.original,
                                         eight_bit_ok=eight_bit))
        except DeliveryFailed as failure:
            return SendOutcome(self._failed(notice, draft, failure))
        return SendOutcome(self._sent(notice, draft, sent.reply), sent.message)

    # -- outcomes --------------------------------------------------------------------------
    def _sent(self, notice: Notice, draft: Draft, reply: str) -> Notice:
        with self._uow() as uow:
            stored = uow.notices.record(
                notice.id, status=NoticeStatus.SENT, at=draft.at, sent=True,
                recipient=draft.recipient, subject=draft.rendered.subject,
                message_id=draft.message_id, body_text=draft.rendered.text,
                attachment_sha256=draft.original.sha256 if draft.original else None,
                relay_reply=reply[:1000])
            subject_type, subject_id = _subject(notice)
            record(uow, self._clock, actor=SYSTEM_ACTOR, action="notice.sent",
                   subject_type=subject_type, subject_id=subject_id,
                   data={"notice_id": notice.id, "kind": notice.kind.value,
                         "recipient": draft.recipient, "message_id": draft.message_id,
                         "template": draft.rendered.template,
                         "attachment_sha256": stored.attachment_sha256})
            if notice.kind is NoticeKind.NOTICE and notice.case_id is not None:
                case = uow.cases.get(notice.case_id, for_update=True)
                if case is not None and case.state is CaseState.NEW:
                    move(uow, self._clock, case, CaseState.NOTIFIED, actor=SYSTEM_ACTOR,
                         reason=f"notice sent to {draft.recipient}", leads=self._leads,
                         data={"notice_id": notice.id}, at=draft.at)
            uow.commit()
        return stored

    def _failed(self, notice: Notice, draft: Draft, failure: DeliveryFailed) -> Notice:
        final = failure.permanent or notice.attempts + 1 >= MAX_ATTEMPTS
        with self._uow() as uow:
            stored = uow.notices.record(
                notice.id, status=NoticeStatus.FAILED if final else NoticeStatus.QUEUED,
                at=self._clock.now(), recipient=draft.recipient,
                subject=draft.rendered.subject, message_id=draft.message_id,
                error=str(failure)[:2000])
            if final:
                self._attention(uow, notice, f"the {notice.kind.value} to {draft.recipient} "
                                             f"failed: {failure}")
            uow.commit()
        if not final:
            raise failure  # the job is retried with backoff
        return stored

    def _suppress(self, notice: Notice, refusal: Refusal) -> Notice:
        with self._uow() as uow:
            stored = uow.notices.record(notice.id, status=NoticeStatus.SUPPRESSED,
                                        at=self._clock.now(), recipient=refusal.recipient,
                                        error=refusal.reason)
            subject_type, subject_id = _subject(notice)
            record(uow, self._clock, actor=SYSTEM_ACTOR, action="notice.suppressed",
                   subject_type=subject_type, subject_id=subject_id, reason=refusal.reason,
                   data={"notice_id": notice.id, "kind": notice.kind.value})
            if refusal.needs_staff:
                self._attention(uow, notice, refusal.reason)
            uow.commit()
        return stored

    def _attention(self, uow: UnitOfWork, notice: Notice, reason: str) -> None:
        if notice.case_id is None:
            return
        case = uow.cases.get(notice.case_id, for_update=True)
        if case is None:
            return
        uow.cases.save(replace(case, attention=reason[:2000], updated_at=self._clock.now()))
        record(uow, self._clock, actor=SYSTEM_ACTOR, action="case.attention",
               subject_type="case", subject_id=case.id, reason=reason)


def _subject(notice: Notice) -> tuple[str, int]:
    if notice.case_id is not None:
        return "case", notice.case_id
    return "complaint", notice.complaint_id or 0
