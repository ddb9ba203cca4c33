"""Drafting a notice: who gets it, what the template is told, what is attached.

``DraftBuilder.build`` reads (inside the sender's transaction) the case, the clause of the
policy version the case was opened under, the party to tell and its representative, and
the complaint (or, for an opt-in evidence request, the request the notice is about); it
returns a ``Draft`` ready to assemble, or a ``Refusal`` saying why the notice must not go
(no representative, an auto-submitted complaint, a request answered meanwhile, ...).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime
from typing import Any

from abusedesk.domain.bulk import OptInRequest
from abusedesk.domain.cases_model import Case, Notice
from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints import ComplaintRecord, ContentType, header_block
from abusedesk.domain.deadlines import describe_duration
from abusedesk.domain.notices import (
    NoticeKind,
    OriginalCopy,
    acknowledgement_recipient,
    address_domain,
    auto_reply_refusal,
    encode_address,
)
from abusedesk.domain.policy import Clause, Policy
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.cases_responses import issue_link
from abusedesk.services.notifications_render import NoticeRenderer, RenderedNotice

#: Events listed in a notice; the attached complaint has them all.
MAX_LISTED_EVENTS = 20


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """What notices read from the settings."""

    mail_from: str
    public_url: str
    link_lifetime: timedelta = timedelta(days=30)
    promptly: timedelta = timedelta(hours=72)
    own_addresses: tuple[str, ...] = ()
    language: str = "en"

    @property
    def domain(self) -> str:
        return address_domain(self.mail_from)


@dataclass(frozen=True, slots=True)
class Draft:
    at: datetime
    recipient: str
    headers: list[tuple[str, str]]
    rendered: RenderedNotice
    message_id: str
    original: OriginalCopy | None


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    recipient: str | None = None
    needs_staff: bool = False  # a customer notice that cannot go: staff must act


def message_id(notice_id: int, label: str, domain: str) -> str:
    """A Message-ID that is the same on every attempt, so a resend can be recognised."""
    digest = hashlib.sha256(f"{notice_id}:{label}".encode()).hexdigest()[:12]
    return f"<notice-{notice_id}.{digest}@{domain}>"


def complaint_headers(raw: bytes) -> list[tuple[str, str]]:
    """The top-level headers of a raw complaint, read forgivingly and within bounds."""
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw) + b"\n\n")
    except Exception:  # noqa: BLE001 - hostile headers give no headers, never an error
        return []
    return [(name, str(value)) for name, value in parsed.items()]


class DraftBuilder:
    def __init__(self, clock: Clock, renderer: NoticeRenderer, settings: NoticeSettings,
                 key: bytes) -> None:
        self._clock = clock
        self._renderer = renderer
        self._settings = settings
        self._key = key

    def build(self, uow: UnitOfWork, notice: Notice) -> Draft | Refusal:
        if notice.kind is NoticeKind.ACKNOWLEDGEMENT:
            return self._acknowledgement(uow, notice)
        return self._case_notice(uow, notice)

    # -- to the customer -------------------------------------------------------------------
    def _case_notice(self, uow: UnitOfWork, notice: Notice) -> Draft | Refusal:
        now = self._clock.now()
        case = uow.cases.get(notice.case_id) if notice.case_id is not None else None
        if case is None:
            return Refusal("the case of this notice no longer exists")
        policy = next((p for p in uow.policies.all() if p.id == case.policy_version_id), None)
        if policy is None:
            return Refusal(f"policy version {case.policy_version_id} is gone", needs_staff=True)
        party = uow.customers.get(case.notify_customer_id)
        customer = party if case.customer_id == case.notify_customer_id else \
            uow.customers.get(case.customer_id)
        representative = party.representative if party else None
        if party is None or representative is None or not representative.email:
            who = party.name if party else f"customer {case.notify_customer_id}"
            return Refusal(f"no abuse representative with an e-mail address is on record for "
                           f"{who}; add one and resend", needs_staff=True)
        try:
            clause = policy.policy.clause(case.clause_id)
        except KeyError:
            return Refusal(f"clause {case.clause_id} is not in {policy.label}", needs_staff=True)
        original = None if case.restricted else self._original(uow, notice, case)
        complaint = original[1] if original else None
        context = self._case_context(uow, case, clause, policy.policy, policy.label, now)
        if notice.kind is NoticeKind.OPTIN_REQUEST:
            request = uow.bulk.request_for_notice(notice.id)
            if request is None:
                return Refusal("no opt-in evidence request names this notice", needs_staff=True)
            if request.answered_at is not None:
                return Refusal(f"opt-in evidence request {request.id} was answered before "
                               "the notice went")
            context["optin"] = self._optin_context(request)
        context.update(
            party={"name": party.name, "representative": representative.name},
            customer={"name": customer.name if customer else party.name},
            complaint=None if complaint is None else {
                "sha256": complaint.sha256, "subject": complaint.subject,
                "received_at": complaint.received_at, "attached": True,
                "filename": original[0].filename if original else None},
        )
        rendered = self._renderer.render(notice.kind, context, clause_id=case.clause_id,
                                         restricted=case.restricted,
                                         language=self._settings.language)
        mid = message_id(notice.id, case.reference, self._settings.domain)
        headers = [
            ("From", self._settings.mail_from),
            ("To", encode_address(representative.name, representative.email)),
            ("Subject", rendered.subject),
            ("Date", format_datetime(now)),
            ("Message-ID", mid),
            ("Auto-Submitted", "auto-generated"),
            ("X-Abusedesk-Case", case.reference),
        ]
        return Draft(now, representative.email, headers, rendered, mid,
                     original[0] if original else None)

    def _case_context(self, uow: UnitOfWork, case: Case, clause: Clause, policy: Policy,
                      label: str, now: datetime) -> dict[str, Any]:
        due = case.clock.due_at(now) if case.clock.running else (
            now + case.deadline if case.deadline is not None else None)
        link = issue_link(case, key=self._key, public_url=self._settings.public_url,
                          expires=now + self._settings.link_lifetime)
        events = [] if case.restricted else [
            {"at": e.event_at, "category": e.category, "type": e.type, "offender": e.offender}
            for e in uow.cases.events(case.id, limit=MAX_LISTED_EVENTS)]
        offences = uow.cases.offence_counts([case.customer_id]).get(case.customer_id, 1)
        action = case.ladder[case.rung].value if case.rung < len(case.ladder) else None
        return {
            "reference": case.reference, "provider": policy.provider,
            "policy_title": policy.title, "policy_label": label,
            "abuse_contact": policy.abuse_contact,
            "clause": {"id": clause.id, "section": clause.section, "number": clause.number,
                       "title": clause.title, "text": clause.text},
            "offender": case.offender, "event_count": case.event_count,
            "first_event_at": case.first_event_at, "last_event_at": case.last_event_at,
            "events": events,
            "deadline": None if due is None or case.deadline is None else {
                "text": describe_duration(case.deadline), "due_at": due,
                "source": case.deadline_source},
            "respond_url": link.url, "respond_expires_at": link.expires_at, "offences": offences,
            "action": action, "next_action": case.next_action.value if case.next_action else None,
            "restricted": case.restricted,
        }

    def _optin_context(self, request: OptInRequest) -> dict[str, Any]:
        return {
            "id": request.id, "hint": request.hint, "address_sha256": request.address_sha256,
            "clause_id": request.clause_id, "requested_at": request.requested_at,
            "due_at": request.due_at,
            "deadline": describe_duration(request.due_at - request.requested_at),
            "api_url": f"{self._settings.public_url.rstrip('/')}/api/v1/optin-requests/"
                       f"{request.id}/evidence",
        }

    def _original(self, uow: UnitOfWork, notice: Notice,
                  case: Case) -> tuple[OriginalCopy, ComplaintRecord] | None:
        if notice.kind is not NoticeKind.NOTICE:
            return None
        complaint_id = notice.complaint_id
        if complaint_id is None:
            events = uow.cases.events(case.id)
            complaint_id = max((e.complaint_id for e in events), default=None)
        complaint = uow.complaints.get(complaint_id) if complaint_id is not None else None
        raw = uow.complaints.raw(complaint.sha256) if complaint else None
        if complaint is None or raw is None:
            return None
        if complaint.content_type is ContentType.XARF_JSON:
            copy = OriginalCopy(raw, f"complaint-{complaint.id}.json", "application/json")
        else:
            copy = OriginalCopy(raw, f"complaint-{complaint.id}.eml")
        return copy, complaint

    # -- to the complainant ----------------------------------------------------------------
    def _acknowledgement(self, uow: UnitOfWork, notice: Notice) -> Draft | Refusal:
        now = self._clock.now()
        complaint = uow.complaints.get(notice.complaint_id) if notice.complaint_id else None
        if complaint is None:
            return Refusal("the complaint of this acknowledgement no longer exists")
        own = self._settings.own_addresses + (self._settings.mail_from,)
        if complaint.content_type is ContentType.RFC822:
            headers = complaint_headers(uow.complaints.raw(complaint.sha256) or b"")
            sender = complaint.envelope.mail_from
            reason = auto_reply_refusal(headers, envelope_sender=sender, own_addresses=own)
            recipient = acknowledgement_recipient(headers, envelope_sender=sender)
            if reason is not None:
                return Refusal(reason, recipient)
        else:
            # A XARF document posted to the API: its reporter contact is the address.
            recipient = complaint.sender or complaint.reporter
            if recipient and recipient.lower() in {address.lower() for address in own}:
                return Refusal(f"{recipient} is our own address; answering would loop", recipient)
        if recipient is None:
            return Refusal("the complaint names no address to answer")
        cases = uow.cases.for_complaint(complaint.id)
        references = sorted({case.reference for case in cases})
        policy = max(uow.policies.published(), key=lambda p: p.effective_at or now,
                     default=None)
        provider = policy.policy.provider if policy else "The abuse team"
        contact = policy.policy.abuse_contact if policy else self._settings.mail_from
        rendered = self._renderer.render(NoticeKind.ACKNOWLEDGEMENT, {
            "references": references, "provider": provider, "abuse_contact": contact,
            "complaint": {"subject": complaint.subject, "received_at": complaint.received_at,
                          "sha256": complaint.sha256}}, language=self._settings.language)
        mid = message_id(notice.id, f"ack-{complaint.id}", self._settings.domain)
        out = [("From", self._settings.mail_from), ("To", recipient),
               ("Subject", rendered.subject), ("Date", format_datetime(now)),
               ("Message-ID", mid),
               # RFC 3834: mark the response, so that no responder answers it in turn
               ("Auto-Submitted", "auto-replied"),
               ("X-Auto-Response-Suppress", "All")]
        if complaint.message_id:
            out += [("In-Reply-To", f"<{complaint.message_id}>"),
                    ("References", f"<{complaint.message_id}>")]
        return Draft(now, recipient, out, rendered, mid, None)
