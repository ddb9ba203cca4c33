"""Error pages of the staff UI and the portal; a page that needs sign-in sends you there."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from abusedesk.domain.errors import AbuseDeskError, NotAuthenticated
from abusedesk.interfaces.api.auth import session_principal
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.interfaces.web.rendering import render

PORTAL_PREFIX = "/portal"


def login_url(path: str, *, next_path: str | None = None) -> str:
    """The sign-in page for ``path`` (the portal's, or the staff UI's), to come back to
    ``next_path`` when it is a local path."""
    portal = path == PORTAL_PREFIX or path.startswith(PORTAL_PREFIX + "/")
    base = "/portal/login" if portal else "/login"
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return f"{base}?next={quote(next_path, safe='/')}"
    return base


async def html_error(request: Request, status: int, title: str, detail: str,
                     error: BaseException) -> Response:
    """The page for an error on a web path; a GET that needs sign-in redirects to it.

    The page has the usual layout, with the navigation of whoever is signed in: an unknown
    path (which no route's access rule looked at) has the session looked up here.
    """
    if isinstance(error, StarletteHTTPException) and not hasattr(request.state, "principal"):
        await _signed_in(request)
    if isinstance(error, NotAuthenticated) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(login_url(request.url.path, next_path=target), status_code=303)
    if isinstance(error, StarletteHTTPException) and status == 404:
        detail = "there is no page at this address"
    if status >= 500:
        detail = "the server could not complete the request; try again, or tell the operator"
    return render(request, "error.html", {
        "status": status, "title": title, "detail": detail,
        "login": login_url(request.url.path) if status == 401 else None,
    }, status_code=status)


async def _signed_in(request: Request) -> None:
    """Resolve the request's session (cached on ``request.state``) for the page's layout;
    when the database cannot say, the page is shown as to anyone signed out."""
    try:
        await session_principal(request, services_of(request))
    except AbuseDeskError:
        request.state.principal = None
