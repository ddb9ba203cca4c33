"""Complaint pages: the list, one complaint shown safely (as text), downloads, submit, replay.

Restricted complaints (any event under a restricted clause) show nothing of their content
to staff without ``restricted:read``; their downloads are refused the same way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.complaints import Channel, ComplaintStatus, Envelope
from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.interfaces.api.auth import client_address, staff
from abusedesk.interfaces.api.casework import case_desk
from abusedesk.interfaces.api.restricted import (
    complaint_restriction,
    readable_raw,
    with_restriction,
)
from abusedesk.interfaces.api.routes.complaints import raw_response
from abusedesk.interfaces.api.wiring import complaint_records, services_of
from abusedesk.interfaces.web.raw_view import attachment, raw_view
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/complaints")
def complaints_page(request: Request, status: str = "", before_id: int | None = None,
                    principal: Principal = staff(Permission.COMPLAINTS_READ)) -> Response:
    chosen = ComplaintStatus(status) if status in {s.value for s in ComplaintStatus} else None
    services = services_of(request)
    rows = with_restriction(services, complaint_records(services.container).list(
        status=chosen, limit=PAGE_SIZE, before_id=before_id))
    return render(request, "complaints.html", {
        "rows": rows, "status": chosen.value if chosen else "",
        "statuses": [s.value for s in ComplaintStatus],
        "older": rows[-1][0].id if len(rows) == PAGE_SIZE else None,
    })


@router.post("/complaints")
async def submit_complaint(request: Request, complaint_file: Annotated[UploadFile, File()],
                           principal: Principal = staff(Permission.COMPLAINTS_SUBMIT)) -> Response:
    services = services_of(request)
    limit = services.container.settings.max_message_bytes
    data = await complaint_file.read(limit + 1)
    if len(data) > limit:
        raise InputLimitExceeded(f"the file is larger than {limit} bytes")
    if not data:
        raise InvalidInput("the file is empty")
    intake = services.container.intake
    envelope = Envelope(peer=client_address(request))
    name = (complaint_file.filename or "").lower()
    if name.endswith(".json") or data.lstrip()[:1] == b"{":
        receipt = await run_in_threadpool(intake.accept_xarf, data, channel=Channel.WEB,
                                          envelope=envelope)
    else:
        receipt = await run_in_threadpool(intake.accept_message, data, channel=Channel.WEB,
                                          envelope=envelope)
    return RedirectResponse(f"/complaints/{receipt.complaint_id}", status_code=303)


@router.get("/complaints/{complaint_id}")
def complaint_page(request: Request, complaint_id: int,
                   principal: Principal = staff(Permission.COMPLAINTS_READ)) -> Response:
    services = services_of(request)
    records = complaint_records(services.container)
    record = records.get(complaint_id)
    restricted, events = complaint_restriction(services, complaint_id)
    view = None
    if not restricted or principal.sees_restricted():
        copy = records.raw(complaint_id)
        view = raw_view(copy.data, copy.content_type.value)
    cases = [listing for listing in case_desk(services).queries.for_complaint(complaint_id)
             if principal.sees_customer(listing.case.customer_id)]
    customer_ids = {e.customer_id for e in events if e.customer_id is not None}
    return render(request, "complaint.html", {
        "record": record, "events": events, "restricted": restricted, "view": view,
        "cases": cases, "customer_names": services.customers.names(customer_ids),
    })


@router.get("/complaints/{complaint_id}/raw")
def complaint_raw(request: Request, complaint_id: int,
                  principal: Principal = staff(Permission.COMPLAINTS_READ)) -> Response:
    return raw_response(readable_raw(services_of(request), principal, complaint_id), complaint_id)


@router.get("/complaints/{complaint_id}/attachments/{index}")
def complaint_attachment(request: Request, complaint_id: int,
                         index: Annotated[int, PathParam(ge=0, le=10_000)],
                         principal: Principal = staff(Permission.COMPLAINTS_READ)) -> Response:
    copy = readable_raw(services_of(request), principal, complaint_id)
    filename, data = attachment(copy.data, index)
    safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:120]
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{safe_name or "attachment.bin"}"',
        "X-Content-Type-Options": "nosniff",
    })


@router.post("/complaints/{complaint_id}/replay")
def replay_complaint(request: Request, complaint_id: int,
                     principal: Principal = staff(Permission.COMPLAINTS_REPLAY)) -> Response:
    complaint_records(services_of(request).container).replay([complaint_id])
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)
