"""How cases, their events, answers, actions and timeline look in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from abusedesk.interfaces.api.audit_labels import audit_label


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DeadlineOut(BaseModel):
    due_at: datetime | None
    running: bool
    paused: bool
    overdue: bool
    seconds_left: int | None = Field(description="negative when overdue")


class CaseOut(BaseModel):
    id: int
    reference: str
    state: str
    state_label: str
    customer_id: int
    customer_name: str | None = None
    notify_customer_id: int
    clause_id: str
    clause_title: str
    offender: str
    severity: str
    restricted: bool
    opened_at: datetime
    updated_at: datetime
    first_event_at: datetime
    last_event_at: datetime
    event_count: int
    ladder: list[str]
    rung: int
    next_action: str | None
    deadline: DeadlineOut
    attention: str | None
    consent_note: str | None
    repeat_offences: int | None = Field(None, description="cases of this customer so far")


class CaseEventOut(BaseModel):
    # The API's contract, read off a domain ``CaseEvent`` by ``model_validate``.
    model_config = ConfigDict(from_attributes=True)

    complaint_id: int
    sequence: int
    event_id: int | None
    event_at: datetime
    category: str
    type: str
    offender: str
    joined_at: datetime


class NoticeOut(BaseModel):
    id: int
    kind: str
    status: str
    recipient: str | None
    subject: str | None
    created_at: datetime
    sent_at: datetime | None
    error: str | None


class CaseResponseOut(BaseModel):
    id: int
    kind: str
    author: str
    text: str
    via: str
    created_at: datetime
    evidence: list[dict[str, Any]]


class ActionOut(BaseModel):
    id: int
    case_id: int
    action: str
    target: str
    status: str
    requested_by: str
    requested_at: datetime
    reason: str
    dry_run: bool
    approved_by: str | None
    approved_at: datetime | None
    executed_at: datetime | None
    outcome: str | None
    lifted_by: str | None
    lifted_at: datetime | None


class TimelineEntry(BaseModel):
    at: datetime
    what: str = Field(description="what happened: for staff the audit log's code "
                                  "(case.open, notice.sent ...) or a transition")
    actor: str | None
    detail: str | None
    label: str = Field(default="", description="what happened, in words for people")


class CaseDetailOut(CaseOut):
    party_name: str | None
    content_withheld: bool = Field(description="restricted: events not shown")
    events: list[CaseEventOut]
    notices: list[NoticeOut]
    responses: list[CaseResponseOut]
    actions: list[ActionOut]
    previous_reference: str | None
    timeline: list[TimelineEntry]


def deadline_out(case: Any, now: datetime) -> DeadlineOut:
    due = case.clock.due_at(now)
    left = int((due - now).total_seconds()) if due is not None else None
    return DeadlineOut(due_at=due, running=case.clock.running, paused=case.clock.paused,
                       overdue=left is not None and left < 0 and case.clock.running,
                       seconds_left=left)


def case_out(case: Any, now: datetime, *, customer_name: str | None = None,
             offences: int | None = None) -> CaseOut:
    return CaseOut(
        id=case.id, reference=case.reference, state=case.state.value,
        state_label=case.state.label, customer_id=case.customer_id,
        customer_name=customer_name, notify_customer_id=case.notify_customer_id,
        clause_id=case.clause_id, clause_title=case.clause_title, offender=case.offender,
        severity=case.severity.value, restricted=case.restricted, opened_at=case.opened_at,
        updated_at=case.updated_at, first_event_at=case.first_event_at,
        last_event_at=case.last_event_at, event_count=case.event_count,
        ladder=[step.value for step in case.ladder], rung=case.rung,
        next_action=case.next_action.value if case.next_action else None,
        deadline=deadline_out(case, now), attention=case.attention,
        consent_note=case.consent_note, repeat_offences=offences)


def response_out(response: Any) -> CaseResponseOut:
    return CaseResponseOut(
        id=response.id, kind=response.kind.value, author=response.author, text=response.text,
        via=response.via, created_at=response.created_at,
        evidence=[{"filename": name, "content_type": kind, "size": size, "sha256": digest}
                  for name, kind, size, digest in response.evidence])


def action_out(action: Any) -> ActionOut:
    return ActionOut(
        id=action.id, case_id=action.case_id, action=action.action.value, target=action.target,
        status=action.status.value, requested_by=action.requested_by,
        requested_at=action.requested_at, reason=action.reason, dry_run=action.dry_run,
        approved_by=action.approved_by, approved_at=action.approved_at,
        executed_at=action.executed_at, outcome=action.outcome, lifted_by=action.lifted_by,
        lifted_at=action.lifted_at)


def timeline(detail: Any, *, staff: bool) -> list[TimelineEntry]:
    """Everything dated about a case, oldest first: the audit trail for staff, and for
    customers the notices, their own answers and the state it is in."""
    entries: list[TimelineEntry] = []
    audited_notices: set[Any] = set()  # sent notices the audit trail records already
    if staff:
        for entry in detail.history:
            data = entry.data
            what = entry.action
            reason = entry.reason
            if entry.action == "case.transition":
                what = f"{data.get('from')} → {data.get('to')}"
            elif entry.action == "notice.sent":
                audited_notices.add(data.get("notice_id"))
                reason = reason or data.get("recipient")
            entries.append(TimelineEntry(at=entry.at, what=what, actor=entry.actor,
                                         detail=reason, label=audit_label(entry.action, data)))
    else:
        case = detail.case
        entries.append(TimelineEntry(at=case.opened_at, what="case opened", actor=None,
                                     detail=f"{case.clause_id} {case.clause_title}",
                                     label="case opened"))
        for response in detail.responses:
            answer = f"answer: {response.kind.value}"
            entries.append(TimelineEntry(at=response.created_at, what=answer,
                                         actor=response.author, detail=None, label=answer))
    for notice in detail.notices:
        if notice.sent_at is not None and notice.id not in audited_notices:
            sent = f"{notice.kind.value} sent"
            entries.append(TimelineEntry(at=notice.sent_at, what=sent, actor=None,
                                         detail=notice.recipient if staff else None, label=sent))
    entries.sort(key=lambda item: item.at)
    return entries


def case_detail_out(detail: Any, now: datetime, *, staff: bool) -> CaseDetailOut:
    base = case_out(detail.case, now, customer_name=detail.customer_name,
                    offences=detail.offences if staff else None).model_dump()
    return CaseDetailOut(
        **base, party_name=detail.party_name, content_withheld=detail.content_withheld,
        events=[CaseEventOut.model_validate(e) for e in detail.events],
        notices=[NoticeOut(id=n.id, kind=n.kind.value, status=n.status.value,
                           recipient=n.recipient if staff else None, subject=n.subject,
                           created_at=n.created_at, sent_at=n.sent_at,
                           error=n.error if staff else None) for n in detail.notices],
        responses=[response_out(r) for r in detail.responses],
        actions=[action_out(a) for a in detail.actions],
        previous_reference=detail.previous_reference if staff else None,
        timeline=timeline(detail, staff=staff))
