"""Every route's access rule, as a FastAPI dependency: who is asking, and may they.

Each route declares exactly one ``AccessRule`` (``app.create_app`` refuses to build an app
with a route that has none, and the authorisation matrix test enumerates the routes):

- ``api(permission)``: the REST API; a bearer token (staff, customer or partner).
- ``staff(permission)``: the staff web UI; a staff session cookie. Unsafe methods also
  need the form's CSRF token (or the ``X-CSRF-Token`` header) and a same-origin request.
- ``portal()``: the customer portal; a portal session opened with a customer's key.
- ``public(form=...)``: anyone (the sign-in pages, the response link, static files);
  forms among them still need a CSRF token bound to a pre-session cookie.

The API never looks at cookies and the web never at bearer tokens, so a browser session
cannot be ridden by a cross-site API call, and a token cannot skip the CSRF check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.errors import AccessDenied, NotAuthenticated
from abusedesk.interfaces.api.wiring import AppServices, services_of
from abusedesk.services.access_rules import Permission, Principal

SESSION_COOKIE = "abusedesk_session"
PRE_SESSION_COOKIE = "abusedesk_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Channel(StrEnum):
    API = "api"
    STAFF = "staff"
    PORTAL = "portal"
    PUBLIC = "public"


class CsrfRejected(AccessDenied):
    """An unsafe web request without a valid CSRF token, or from another origin."""


def cookie_name(services: AppServices, base: str) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only, path /.
    return f"__Host-{base}" if services.secure_cookies else base


@dataclass(frozen=True, slots=True)
class AccessRule:
    """A route's rule; called by FastAPI, it returns the principal (None on public routes)."""

    channel: Channel
    permission: Permission | None = None
    form: bool = False  # public routes: check a CSRF token on unsafe methods

    async def __call__(self, request: Request) -> Principal | None:
        services = services_of(request)
        if self.channel is Channel.API:
            principal = await _bearer_principal(request, services)
            if principal is None:
                raise NotAuthenticated("send a valid API token as 'Authorization: Bearer <token>'")
            return self._permitted(principal)
        if self.channel is Channel.PUBLIC:
            if self.form and request.method not in SAFE_METHODS:
                await check_csrf(request, services)
            return await session_principal(request, services)
        principal = await session_principal(request, services)
        if principal is None:
            raise NotAuthenticated("sign in first")
        wanted_staff = self.channel is Channel.STAFF
        if principal.is_staff != wanted_staff:
            raise AccessDenied("this page is for "
                               + ("the provider's staff" if wanted_staff else "customers"))
        if request.method not in SAFE_METHODS:
            await check_csrf(request, services)
        return self._permitted(principal)

    def _permitted(self, principal: Principal) -> Principal:
        if self.permission is not None:
            principal.require(self.permission)
        return principal


def api(permission: Permission | None) -> Principal:
    """Depend on this in an API route: the caller's principal, holding ``permission``
    (``None``: any valid token)."""
    return Depends(AccessRule(Channel.API, permission))  # type: ignore[no-any-return]


def staff(permission: Permission) -> Principal:
    return Depends(AccessRule(Channel.STAFF, permission))  # type: ignore[no-any-return]


def portal() -> Principal:
    return Depends(AccessRule(Channel.PORTAL, Permission.RESPOND))  # type: ignore[no-any-return]


def public(*, form: bool = False) -> Principal | None:
    return Depends(AccessRule(Channel.PUBLIC, None, form))  # type: ignore[no-any-return]


async def _bearer_principal(request: Request, services: AppServices) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await run_in_threadpool(services.access.token_principal, token.strip())


async def session_principal(request: Request, services: AppServices) -> Principal | None:
    """The principal of the request's session cookie (cached on the request)."""
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    cookie = request.cookies.get(cookie_name(services, SESSION_COOKIE))
    principal = None
    if cookie:
        principal = await run_in_threadpool(services.access.session_principal, cookie)
    request.state.principal = principal
    return principal


# -- CSRF -----------------------------------------------------------------------------------

def _mac(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page: bound to the session, else a pre-session cookie.

    When the browser has neither, a new pre-session cookie is chosen here and set on the
    response by the renderer (``request.state.new_pre_session``).
    """
    services = services_of(request)
    session = request.cookies.get(cookie_name(services, SESSION_COOKIE))
    if session and getattr(request.state, "principal", None) is not None:
        return _mac(services.secret_key, "session", session)
    pre = (getattr(request.state, "new_pre_session", None)
           or request.cookies.get(cookie_name(services, PRE_SESSION_COOKIE)))
    if not pre or len(pre) > 100:
        pre = secrets.token_urlsafe(24)
        request.state.new_pre_session = pre
    return _mac(services.secret_key, "pre", pre)


async def check_csrf(request: Request, services: AppServices) -> None:
    """Refuse an unsafe request from another origin or without the page's CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        public = urlsplit(services.public_url)
        if origin not in (expected, f"{public.scheme}://{public.netloc}"):
            raise CsrfRejected("cross-site request refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent:
        raise CsrfRejected("the form has expired or lacks its security token; reload the page")
    candidates = []
    session = request.cookies.get(cookie_name(services, SESSION_COOKIE))
    if session:
        candidates.append(_mac(services.secret_key, "session", session))
    pre = request.cookies.get(cookie_name(services, PRE_SESSION_COOKIE))
    if pre:
        candidates.append(_mac(services.secret_key, "pre", pre))
    if not any(hmac.compare_digest(sent, candidate) for candidate in candidates):
        raise CsrfRejected("the form has expired or lacks its security token; reload the page")


def client_address(request: Request) -> str:
    """The client's address for rate limiting (the direct peer; no proxy headers trusted)."""
    return request.client.host if request.client else "unknown"
