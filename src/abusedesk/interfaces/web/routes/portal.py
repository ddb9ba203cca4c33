"""The customer portal: a representative signs in with the customer's access key, sees the
customer's cases (a partner: its own and its customers'), and answers them; the signed
response link from a notice opens one case's answer form without signing in. The bulk
e-mail page shows a customer's master no-send list and the open opt-in evidence requests
(answered through the case's answer form)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.cases_links import ExpiredLink, InvalidLink
from abusedesk.domain.cases_model import EvidenceFile
from abusedesk.domain.errors import NotAuthenticated, TooManyAttempts
from abusedesk.interfaces.api.auth import (
    client_address,
    portal,
    public,
)
from abusedesk.interfaces.api.casework import (
    CaseQuery,
    case_desk,
    case_detail,
    customer_view,
    list_cases,
)
from abusedesk.interfaces.api.routes.case_schemas import timeline
from abusedesk.interfaces.api.routes.cases import (
    ResponseIn,
    read_answer,
    record_answer,
    submit_answer,
)
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.interfaces.web.rendering import render
from abusedesk.interfaces.web.routes.signin import safe_next, sign_in_refused, start_session
from abusedesk.services.access_rules import Principal

router = APIRouter(include_in_schema=False)


@router.get("/portal/login")
def portal_login_page(request: Request, next: str | None = None,
                      principal: Principal | None = public()) -> Response:
    if principal is not None and not principal.is_staff:
        return RedirectResponse(safe_next(next, "/portal"), status_code=303)
    return render(request, "portal_login.html", {"error": None,
                                                 "next_path": safe_next(next, "")})


@router.post("/portal/login")
async def portal_login(request: Request, access_key: Annotated[str, Form(max_length=200)],
                       next: Annotated[str, Form(max_length=2000)] = "",
                       principal: Principal | None = public(form=True)) -> Response:
    services = services_of(request)
    try:
        signed_in = await run_in_threadpool(services.access.sign_in_portal, access_key,
                                            client=client_address(request))
    except (NotAuthenticated, TooManyAttempts) as error:
        return sign_in_refused(request, "portal_login.html",
                               {"next_path": safe_next(next, "")}, error)
    return await start_session(request, services, signed_in, safe_next(next, "/portal"))


@router.get("/portal")
def portal_home(request: Request, state: str = "", principal: Principal = portal()) -> Response:
    services = services_of(request)
    states = CaseQuery.parse_states([state] if state else [])
    listings = list_cases(services, principal, CaseQuery(states=states, limit=200))
    names = services.customers.names(principal.customer_ids or ())
    return render(request, "portal.html", {"listings": listings, "names": names,
                                           "state": state})


@router.get("/portal/cases/{reference}")
def portal_case(request: Request, reference: str, done: str = "",
                principal: Principal = portal()) -> Response:
    services = services_of(request)
    detail = customer_view(case_detail(services, principal, reference), principal)
    return render(request, "portal_case.html", {
        "detail": detail, "case": detail.case, "timeline": timeline(detail, staff=False),
        "done": done[:200], "form_action": f"/portal/cases/{detail.case.reference}/respond",
        "optin_requests": services.optin.case_requests(detail.case.id, open_only=True),
    })


@router.post("/portal/cases/{reference}/respond")
async def portal_respond(request: Request, reference: str,
                         principal: Principal = portal()) -> Response:
    answer, files = await read_answer(request)
    services = services_of(request)
    await run_in_threadpool(submit_answer, services, principal, reference, answer, files,
                            "portal")
    return RedirectResponse(f"/portal/cases/{reference}?done=thank+you", status_code=303)


#: No-send entries shown on the page (newest first); the API and export give them all.
PORTAL_NO_SEND_ROWS = 500


@router.get("/portal/bulk")
def portal_bulk(request: Request, customer: Annotated[str, Query(max_length=100)] = "",
                principal: Principal = portal()) -> Response:
    services = services_of(request)
    names = services.customers.names(principal.customer_ids or ())
    chosen = services.bulk.customer(customer) if customer else None
    if chosen is not None:
        principal.require_customer(chosen.id, f"customer {customer!r}")
    customer_id = chosen.id if chosen is not None else principal.customer_id
    entries = list(services.bulk.no_send(customer_id)[1]) if customer_id else []
    return render(request, "portal_bulk.html", {
        "names": names, "customer_id": customer_id, "total": len(entries),
        "entries": entries[::-1][:PORTAL_NO_SEND_ROWS],
        "requests": services.optin.open_requests(sorted(names)),
    })


def _grant(services: Any, token: str) -> Any:
    return case_desk(services).responses.verify(token)


@router.get("/respond/{token}")
def link_page(request: Request, token: str, done: str = "",
              principal: Principal | None = public()) -> Response:
    services = services_of(request)
    try:
        grant = _grant(services, token)
    except InvalidLink as error:
        return render(request, "error.html", {"status": 403, "title": "Link not valid",
                                              "detail": str(error), "login": None},
                      status_code=410 if isinstance(error, ExpiredLink) else 403)
    view = case_desk(services).responses.view(grant)
    return render(request, "portal_case.html", {
        "detail": None, "case": view.case, "responses": view.responses, "timeline": [],
        "done": done[:200], "form_action": f"/respond/{token}",
        "optin_requests": view.optin_requests,
    })


@router.post("/respond/{token}")
async def link_respond(request: Request, token: str,
                       principal: Principal | None = public(form=True)) -> Response:
    services = services_of(request)
    answer, files = await read_answer(request)
    await run_in_threadpool(_answer_by_link, services, token, answer, files)
    return RedirectResponse(f"/respond/{token}?done=thank+you", status_code=303)


def _answer_by_link(services: Any, token: str, answer: ResponseIn,
                    files: list[EvidenceFile]) -> None:
    responses = case_desk(services).responses
    record_answer(responses, responses.verify(token), answer, files, author=answer.author,
                  via="link")
