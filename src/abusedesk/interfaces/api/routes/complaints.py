"""``/api/v1/complaints``: submit (raw RFC 822 or XARF v4 JSON), list, read, exact bytes, replay.

A submission is stored durably before the 202 answer (the intake service commits the bytes,
the record and the processing job together). ``/raw`` returns the bytes exactly as
received, with their SHA-256 in ``Repr-Digest`` (RFC 9530) and ``ETag``, so a copy can be
verified by whoever receives it.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.complaints import Channel, ComplaintRecord, ComplaintStatus, Envelope
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.api.auth import api, client_address
from abusedesk.interfaces.api.bodies import bounded_body
from abusedesk.interfaces.api.problems import problem_response
from abusedesk.interfaces.api.restricted import (
    complaint_restriction,
    readable_raw,
    require_restricted_access,
    with_restriction,
)
from abusedesk.interfaces.api.routes.events import EventOut
from abusedesk.interfaces.api.wiring import complaint_records, services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(prefix="/complaints", tags=["complaints"])

RFC822_TYPES = ("message/rfc822", "application/mbox")
JSON_TYPES = ("application/json",)


class ReceiptOut(BaseModel):
    id: int
    sha256: str
    status: str
    duplicate_of: int | None
    new: bool = Field(description="false when these bytes from this source were already here")


class ComplaintOut(BaseModel):
    id: int
    sha256: str
    size: int
    channel: str
    content_type: str
    received_at: datetime
    source: str | None
    message_id: str | None
    sender: str | None
    subject: str | None
    status: str
    duplicate_of: int | None
    reason: str | None
    format: str | None
    reporter: str | None
    event_count: int
    processed_at: datetime | None
    warnings: list[str]
    restricted: bool = False


class ComplaintDetail(ComplaintOut):
    envelope_from: str | None
    envelope_to: list[str]
    events: list[EventOut]


def complaint_out(record: ComplaintRecord, *, restricted: bool = False) -> ComplaintOut:
    hidden = restricted  # a restricted complaint's subject may itself be the material
    return ComplaintOut(
        id=record.id, sha256=record.sha256, size=record.size, channel=record.channel.value,
        content_type=record.content_type.value, received_at=record.received_at,
        source=record.source, message_id=None if hidden else record.message_id,
        sender=record.sender, subject="(restricted)" if hidden else record.subject,
        status=record.status.value, duplicate_of=record.duplicate_of, reason=record.reason,
        format=record.format, reporter=record.reporter, event_count=record.event_count,
        processed_at=record.processed_at, warnings=list(record.warnings),
        restricted=restricted)


@router.post("", status_code=202, response_model=ReceiptOut,
             summary="Submit a complaint: message/rfc822 (raw mail) or application/json (XARF v4)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                 "application/json": {"schema": {"type": "object"}}}}})
async def submit(request: Request,
                 principal: Principal = api(Permission.COMPLAINTS_SUBMIT)) -> Response:
    services = services_of(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in RFC822_TYPES + JSON_TYPES:
        return problem_response(
            415, "Unsupported media type",
            "send the complaint as message/rfc822 (raw mail) or application/json (XARF v4)",
            type_uri="about:blank", instance=request.url.path)
    data = await bounded_body(request, services.container.settings.max_message_bytes)
    intake = services.container.intake
    envelope = Envelope(peer=client_address(request))
    source = None  # each API post is its own arrival; dedup still finds the original
    if media_type in JSON_TYPES:
        receipt = await run_in_threadpool(intake.accept_xarf, data, channel=Channel.API,
                                          envelope=envelope, source=source)
    else:
        receipt = await run_in_threadpool(intake.accept_message, data, channel=Channel.API,
                                          envelope=envelope, source=source)
    body = ReceiptOut(id=receipt.complaint_id, sha256=receipt.sha256,
                      status=receipt.status.value, duplicate_of=receipt.duplicate_of,
                      new=receipt.new)
    return JSONResponse(body.model_dump(), status_code=202,
                        headers={"Location": f"{request.url.path}/{receipt.complaint_id}"})


@router.get("", response_model=list[ComplaintOut], summary="Complaints, newest first")
def list_complaints(request: Request, status: ComplaintStatus | None = None,
                    limit: int = Query(50, ge=1, le=1000),
                    before_id: int | None = Query(None, description="page back from this id"),
                    principal: Principal = api(Permission.COMPLAINTS_READ)) -> list[ComplaintOut]:
    services = services_of(request)
    found = complaint_records(services.container).list(status=status, limit=limit,
                                                       before_id=before_id)
    return [complaint_out(record, restricted=restricted)
            for record, restricted in with_restriction(services, found)]


@router.get("/{complaint_id}", response_model=ComplaintDetail,
            summary="One complaint with its envelope and events")
def get_complaint(request: Request, complaint_id: int,
                  principal: Principal = api(Permission.COMPLAINTS_READ)) -> ComplaintDetail:
    record = complaint_records(services_of(request).container).get(complaint_id)
    restricted, events = complaint_restriction(services_of(request), complaint_id)
    require_restricted_access(principal, restricted, f"complaint {complaint_id}")
    base = complaint_out(record).model_dump() | {"restricted": restricted}
    return ComplaintDetail(**base, envelope_from=record.envelope.mail_from,
                           envelope_to=list(record.envelope.rcpt_tos),
                           events=[EventOut.model_validate(e) for e in events])


@router.get("/{complaint_id}/events", response_model=list[EventOut],
            summary="The events parsed from a complaint")
def get_events(request: Request, complaint_id: int,
               principal: Principal = api(Permission.COMPLAINTS_READ)) -> list[EventOut]:
    restricted, events = complaint_restriction(services_of(request), complaint_id)
    require_restricted_access(principal, restricted, f"complaint {complaint_id}")
    return [EventOut.model_validate(e) for e in events]


@router.get("/{complaint_id}/raw", summary="The exact bytes as received, with their digest",
            responses={200: {"content": {"message/rfc822": {}, "application/json": {}},
                             "description": "the bytes; `Repr-Digest` holds their SHA-256"}})
def get_raw(request: Request, complaint_id: int,
            principal: Principal = api(Permission.COMPLAINTS_READ)) -> Response:
    return raw_response(readable_raw(services_of(request), principal, complaint_id), complaint_id)


def raw_response(copy: Any, complaint_id: int) -> Response:
    """The exact bytes as a download that no browser renders, with digest headers."""
    digest_b64 = base64.b64encode(bytes.fromhex(copy.sha256)).decode("ascii")
    extension = "json" if copy.content_type.value == "application/json" else "eml"
    return Response(copy.data, media_type=copy.content_type.value, headers={
        "Repr-Digest": f"sha-256=:{digest_b64}:",
        "Digest": f"SHA-256={digest_b64}",
        "ETag": f'"sha256-{copy.sha256}"',
        "Content-Disposition": f'attachment; filename="complaint-{complaint_id}.{extension}"',
        "X-Content-Type-Options": "nosniff",
    })


class ReplayOut(BaseModel):
    queued: list[int]


@router.post("/{complaint_id}/replay", response_model=ReplayOut,
             summary="Process a complaint again (after a parser fix)")
def replay(request: Request, complaint_id: int,
           principal: Principal = api(Permission.COMPLAINTS_REPLAY)) -> ReplayOut:
    if complaint_id <= 0:
        raise InvalidInput("complaint ids are positive")
    queued = complaint_records(services_of(request).container).replay([complaint_id])
    return ReplayOut(queued=list(queued))
