"""Staff sign-in and sign-out, and the front door that sends each visitor to their start page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.errors import NotAuthenticated, TooManyAttempts
from abusedesk.interfaces.api.auth import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    client_address,
    cookie_name,
    public,
)
from abusedesk.interfaces.api.wiring import AppServices, services_of
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access import PORTAL_SESSION_MAX, STAFF_SESSION_MAX, SignedIn
from abusedesk.services.access_rules import Principal

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None, default: str) -> str:
    """A local path to go to after sign-in; anything else (another site) gives ``default``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) \
            and "\n" not in value and "\r" not in value:
        return value
    return default


def set_session_cookie(response: Response, services: AppServices, signed_in: SignedIn) -> None:
    """The session cookie: HttpOnly, SameSite=Lax (links from mail still arrive signed in;
    forms carry CSRF tokens), Secure and ``__Host-`` prefixed on https deployments."""
    longest = STAFF_SESSION_MAX if signed_in.principal.is_staff else PORTAL_SESSION_MAX
    response.set_cookie(cookie_name(services, SESSION_COOKIE), signed_in.cookie,
                        max_age=int(longest.total_seconds()), httponly=True, samesite="lax",
                        secure=services.secure_cookies, path="/")
    response.delete_cookie(cookie_name(services, PRE_SESSION_COOKIE), path="/",
                           secure=services.secure_cookies, httponly=True, samesite="strict")


async def start_session(request: Request, services: AppServices, signed_in: SignedIn,
                        target: str) -> Response:
    """Go to ``target`` in the session just opened; the browser's previous one ends."""
    old = request.cookies.get(cookie_name(services, SESSION_COOKIE))
    if old:
        await run_in_threadpool(services.access.sign_out, old)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, services, signed_in)
    return response


def sign_in_refused(request: Request, template: str, context: dict[str, Any],
                    error: NotAuthenticated | TooManyAttempts) -> Response:
    """The sign-in page again, saying why: 401, or 429 with ``Retry-After`` while sign-in is
    refused after too many failures (as the API's problem responses say it)."""
    page = {**context, "error": str(error)}
    if isinstance(error, TooManyAttempts):
        return render(request, template, page, status_code=429,
                      headers={"Retry-After": str(error.retry_after)})
    return render(request, template, page, status_code=401)


def clear_session_cookie(response: Response, services: AppServices) -> None:
    response.delete_cookie(cookie_name(services, SESSION_COOKIE), path="/",
                           secure=services.secure_cookies, httponly=True, samesite="lax")


@router.get("/")
def front_door(request: Request, principal: Principal | None = public()) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/cases" if principal.is_staff else "/portal", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None,
               principal: Principal | None = public()) -> Response:
    if principal is not None and principal.is_staff:
        return RedirectResponse(safe_next(next, "/cases"), status_code=303)
    return render(request, "login.html", {"error": None, "username": "",
                                          "next_path": safe_next(next, "")})


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=200)],
                password: Annotated[str, Form(max_length=1024)],
                next: Annotated[str, Form(max_length=2000)] = "",
                principal: Principal | None = public(form=True)) -> Response:
    services = services_of(request)
    try:
        signed_in = await run_in_threadpool(services.access.sign_in, username, password,
                                            client=client_address(request))
    except (NotAuthenticated, TooManyAttempts) as error:
        return sign_in_refused(request, "login.html", {"username": username[:100],
                                                       "next_path": safe_next(next, "")}, error)
    return await start_session(request, services, signed_in, safe_next(next, "/cases"))


@router.post("/logout")
async def logout(request: Request, principal: Principal | None = public(form=True)) -> Response:
    services = services_of(request)
    cookie = request.cookies.get(cookie_name(services, SESSION_COOKIE))
    if cookie:
        await run_in_threadpool(services.access.sign_out, cookie)
    target = "/portal/login" if principal is not None and not principal.is_staff else "/login"
    response = RedirectResponse(target, status_code=303)
    clear_session_cookie(response, services)
    return response

