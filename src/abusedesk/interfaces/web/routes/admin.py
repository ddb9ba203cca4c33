"""The access page (admins): staff users and API tokens; a new token is shown once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.api.auth import staff
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal, Role, parse_role

router = APIRouter(include_in_schema=False)


def _page(request: Request, *, secret: str | None = None, done: str = "") -> Response:
    services = services_of(request)
    customers = services.customers.summaries()
    return render(request, "admin.html", {
        "users": services.access.users(), "tokens": services.access.tokens(),
        "customers": customers, "roles": [r.value for r in Role],
        "by_id": {summary.customer.id: summary.customer for summary in customers},
        "secret": secret, "done": done[:200],
    })


@router.get("/admin/access")
def access_page(request: Request, done: str = "",
                principal: Principal = staff(Permission.ACCESS_MANAGE)) -> Response:
    return _page(request, done=done)


@router.post("/admin/users")
def add_user(request: Request, username: Annotated[str, Form(max_length=100)],
             password: Annotated[str, Form(max_length=1024)], role: Annotated[str, Form()],
             display_name: Annotated[str, Form(max_length=200)] = "",
             principal: Principal = staff(Permission.ACCESS_MANAGE)) -> Response:
    user = services_of(request).access.add_user(username, password, parse_role(role),
                                                display_name=display_name or None)
    return RedirectResponse(f"/admin/access?done=added+{user.username}", status_code=303)


@router.post("/admin/users/{username}/disable")
def disable_user(request: Request, username: str, enable: Annotated[bool, Form()] = False,
                 principal: Principal = staff(Permission.ACCESS_MANAGE)) -> Response:
    if username == principal.name and not enable:
        raise InvalidInput("you cannot disable yourself; ask another admin")
    services_of(request).access.set_disabled(username, not enable)
    return RedirectResponse("/admin/access?done=saved", status_code=303)


@router.post("/admin/tokens")
def create_token(request: Request, name: Annotated[str, Form(max_length=200)],
                 role: Annotated[str, Form()] = "", customer: Annotated[str, Form()] = "",
                 principal: Principal = staff(Permission.ACCESS_MANAGE)) -> Response:
    services = services_of(request)
    customer_id = services.customers.get(customer).id if customer.strip() else None
    issued = services.access.create_token(name, created_by=principal.actor,
                                          role=parse_role(role) if role else None,
                                          customer_id=customer_id)
    return _page(request, secret=issued.secret, done=f"token {issued.stored.id} created")


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int,
                 principal: Principal = staff(Permission.ACCESS_MANAGE)) -> Response:
    services_of(request).access.revoke_token(token_id)
    return RedirectResponse(f"/admin/access?done=token+{token_id}+revoked", status_code=303)
