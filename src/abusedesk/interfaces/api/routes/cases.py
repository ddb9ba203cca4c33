"""``/api/v1/cases``: the queue with filters, one case with events and timeline, moves, and
the customer's answer.

Filters: ``state`` (repeatable or comma-separated; default every open state), ``clause``,
``customer`` (ref or id), ``due_before`` (ISO 8601); ``order`` newest (default) or due (most
urgent first); ``before_id`` pages on from the last case of a page. Customer and partner
tokens see their own cases only; restricted cases never show their events to them, and to
staff only with ``reveal=true`` and ``restricted:read`` (the reveal is audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.cases_model import EvidenceFile
from abusedesk.domain.clock import as_utc
from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.casework import (
    CaseQuery,
    case_desk,
    case_detail,
    customer_view,
    list_cases,
    parse_state,
    visible_case,
)
from abusedesk.interfaces.api.routes.case_schemas import (
    CaseDetailOut,
    CaseEventOut,
    CaseOut,
    CaseResponseOut,
    ReasonIn,
    TimelineEntry,
    case_detail_out,
    case_out,
    response_out,
    timeline,
)
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(prefix="/cases", tags=["cases"])
MAX_EVIDENCE_FILES = 20


class TransitionIn(BaseModel):
    to: str = Field(description="the state to move to (new, notified, acknowledged, "
                                "awaiting-customer, resolved, closed, dismissed, escalated)")
    reason: str = Field(min_length=1, max_length=2000)


class ReferralIn(BaseModel):
    authority: str = Field(min_length=1, max_length=300)
    reference: str | None = Field(None, max_length=300)
    note: str | None = Field(None, max_length=2000)


class NoticeQueuedOut(BaseModel):
    id: int
    kind: str
    status: str


class ResponseIn(BaseModel):
    kind: str = Field(description="acknowledge, remedy (what was found and done), or "
                                  "optin-evidence (answers the opt-in evidence request "
                                  "optin_request: text says where the confirmed opt-in "
                                  "record is or what it shows)")
    author: str = Field(min_length=1, max_length=320, description="who answers")
    text: str = Field("", max_length=20_000)
    optin_request: int | None = Field(None, description="the opt-in evidence request of "
                                                        "this case answered (optin-evidence)")


@router.get("", response_model=list[CaseOut], summary="The case queue (open cases by default)")
def list_endpoint(
    request: Request,
    state: Annotated[list[str] | None, Query(description="repeatable or comma-separated")] = None,
    clause: str | None = Query(None, max_length=100),
    customer: str | None = Query(None, max_length=100, description="ref or id"),
    due_before: datetime | None = Query(None, description="deadline at or before (ISO 8601)"),
    attention: bool = Query(False, description="only cases that need staff attention"),
    order: str = Query("newest", max_length=20,
                       description="newest (most recently opened first) or due (earliest "
                                   "deadline first, cases without a running deadline last)"),
    limit: int = Query(50, ge=1, le=500),
    before_id: int | None = Query(None, description="the last case id of the previous page: "
                                                    "the page that follows it in this order"),
    principal: Principal = api(Permission.CASES_READ),
) -> list[CaseOut]:
    query = CaseQuery(states=CaseQuery.parse_states(state), clause=clause, customer=customer,
                      due_before=as_utc(due_before) if due_before else None,
                      attention=attention, limit=limit, before_id=before_id,
                      order=CaseQuery.parse_order(order))
    listings = list_cases(services_of(request), principal, query)
    now = services_of(request).container.clock.now()
    return [case_out(item.case, now, customer_name=item.customer_name, offences=item.offences)
            for item in listings]


@router.get("/{reference}", response_model=CaseDetailOut,
            summary="One case: events, notices, answers, actions, timeline")
def get_case(request: Request, reference: str,
             reveal: bool = Query(False, description="show a restricted case's events "
                                                     "(restricted:read; audited)"),
             principal: Principal = api(Permission.CASES_READ)) -> CaseDetailOut:
    services = services_of(request)
    detail = customer_view(case_detail(services, principal, reference, reveal=reveal), principal)
    return case_detail_out(detail, services.container.clock.now(), staff=principal.is_staff)


@router.get("/{reference}/events", response_model=list[CaseEventOut],
            summary="The events that joined a case (withheld for restricted cases)")
def get_events(request: Request, reference: str,
               reveal: bool = Query(False, description="restricted:read; audited"),
               principal: Principal = api(Permission.CASES_READ)) -> list[CaseEventOut]:
    detail = customer_view(case_detail(services_of(request), principal, reference,
                                       reveal=reveal), principal)
    return [CaseEventOut.model_validate(e) for e in detail.events]


@router.get("/{reference}/timeline", response_model=list[TimelineEntry],
            summary="What happened to a case, oldest first")
def get_timeline(request: Request, reference: str,
                 principal: Principal = api(Permission.CASES_READ)) -> list[TimelineEntry]:
    detail = customer_view(case_detail(services_of(request), principal, reference), principal)
    return timeline(detail, staff=principal.is_staff)


@router.post("/{reference}/transitions", response_model=CaseOut, summary="Move a case by hand")
def transition(request: Request, reference: str, body: Annotated[TransitionIn, Body()],
               principal: Principal = api(Permission.CASES_WORK)) -> CaseOut:
    services = services_of(request)
    case = case_desk(services).cases.transition(reference, parse_state(body.to),
                                                actor=principal.actor, reason=body.reason)
    return case_out(case, services.container.clock.now())


@router.post("/{reference}/pause", response_model=CaseOut,
             summary="Stop the deadline clock while the provider owes the next move")
def pause(request: Request, reference: str, body: Annotated[ReasonIn, Body()],
          principal: Principal = api(Permission.CASES_WORK)) -> CaseOut:
    services = services_of(request)
    case = case_desk(services).cases.pause(reference, actor=principal.actor, reason=body.reason)
    return case_out(case, services.container.clock.now())


@router.post("/{reference}/resume", response_model=CaseOut, summary="Restart the deadline clock")
def resume(request: Request, reference: str, body: Annotated[ReasonIn, Body()],
           principal: Principal = api(Permission.CASES_WORK)) -> CaseOut:
    services = services_of(request)
    case = case_desk(services).cases.resume(reference, actor=principal.actor, reason=body.reason)
    return case_out(case, services.container.clock.now())


@router.post("/{reference}/notices", response_model=NoticeQueuedOut, status_code=202,
             summary="Queue the customer's notice again (a resend)")
def notify(request: Request, reference: str,
           principal: Principal = api(Permission.CASES_WORK)) -> NoticeQueuedOut:
    notice = case_desk(services_of(request)).notifications.notify(reference,
                                                                  actor=principal.actor)
    return NoticeQueuedOut(id=notice.id, kind=notice.kind.value, status=notice.status.value)


@router.post("/{reference}/referrals", response_model=CaseOut,
             summary="Record a referral to the authorities (restricted cases)")
def refer(request: Request, reference: str, body: Annotated[ReferralIn, Body()],
          principal: Principal = api(Permission.CASES_WORK)) -> CaseOut:
    services = services_of(request)
    case = case_desk(services).cases.refer(reference, authority=body.authority,
                                           external_reference=body.reference,
                                           actor=principal.actor, note=body.note)
    return case_out(case, services.container.clock.now())


@router.post("/{reference}/responses", response_model=CaseResponseOut, status_code=201,
             summary="The customer's answer: acknowledge, or report the remedy with evidence",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": ResponseIn.model_json_schema()},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "kind": {"type": "string"}, "author": {"type": "string"},
                     "text": {"type": "string"}, "optin_request": {"type": "integer"},
                     "evidence": {"type": "array",
                                  "items": {"type": "string", "format": "binary"}}}}}}}})
async def respond(request: Request, reference: str,
                  principal: Principal = api(Permission.RESPOND)) -> CaseResponseOut:
    answer, files = await read_answer(request)
    services = services_of(request)
    response = await run_in_threadpool(submit_answer, services, principal, reference, answer,
                                       files, "api")
    return response_out(response)


async def read_answer(request: Request) -> tuple[ResponseIn, list[EvidenceFile]]:
    """The answer from a JSON body, or from a form with evidence files."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    files: list[EvidenceFile] = []
    if media_type == "application/json":
        try:
            answer = ResponseIn.model_validate_json(await request.body())
        except ValueError as error:
            raise InvalidInput(f"the answer is not valid: {error}") from None
        return answer, files
    if media_type != "multipart/form-data" and media_type != "application/x-www-form-urlencoded":
        raise InvalidInput("send the answer as application/json or multipart/form-data")
    limit = services_of(request).container.settings.evidence_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 1024 * 1024:
        raise InputLimitExceeded(f"the answer is larger than the {limit:,} bytes allowed")
    form = await request.form(max_files=MAX_EVIDENCE_FILES, max_fields=20)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        answer = ResponseIn.model_validate({
            "kind": values.get("kind", ""), "author": values.get("author", ""),
            "text": values.get("text", ""),
            "optin_request": values.get("optin_request", "").strip() or None})
    except ValueError as error:
        raise InvalidInput(f"the answer is not valid: {error}") from None
    for upload in form.getlist("evidence"):
        if isinstance(upload, str) or not upload.filename:
            continue
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise InputLimitExceeded(f"evidence is limited to {limit:,} bytes in all")
        files.append(EvidenceFile(upload.filename, upload.content_type or
                                  "application/octet-stream", data))
    return answer, files


def submit_answer(services: Any, principal: Principal, reference: str, answer: ResponseIn,
                  files: list[EvidenceFile], via: str) -> Any:
    """Record a customer's answer through the response service, as the case's party."""
    case = visible_case(services, principal, reference)
    responses = case_desk(services).responses
    grant = responses.grant_for_party(case.reference, case.notify_customer_id)
    record_answer(responses, grant, answer, files, author=f"{answer.author} ({principal.name})",
                  via=via)
    return responses.view(grant).responses[-1]


def record_answer(responses: Any, grant: Any, answer: ResponseIn, files: list[EvidenceFile], *,
                  author: str, via: str) -> None:
    """Record ``answer`` under ``grant``: an acknowledgement, a remedy with its files, or
    the evidence an opt-in evidence request of the case asks for."""
    kind = answer.kind.strip().lower()
    if kind == "acknowledge":
        responses.acknowledge(grant, author=author, text=answer.text, via=via)
    elif kind == "remedy":
        responses.report_remedy(grant, author=author, text=answer.text, evidence=files, via=via)
    elif kind == "optin-evidence":
        if answer.optin_request is None:
            raise InvalidInput("say which opt-in evidence request this answers "
                               "(optin_request)")
        responses.answer_optin(grant, answer.optin_request, author=author, text=answer.text,
                               evidence=files, via=via)
    else:
        raise InvalidInput("kind must be 'acknowledge', 'remedy' or 'optin-evidence'")
