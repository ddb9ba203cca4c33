"""Error pages of the staff UI and the portal; a page that needs sign-in sends you there."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from abusedesk.domain.errors import NotAuthenticated
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


def html_error(request: Request, status: int, title: str, detail: str,
               error: BaseException) -> Response:
    """The page for an error on a web path; a GET that needs sign-in redirects to it."""
    if isinstance(error, NotAuthenticated) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(login_url(request.url.path, next_path=target), status_code=303)
    if status >= 500:
        detail = "the server could not complete the request; try again, or tell the operator"
    return render(request, "error.html", {
        "status": status, "title": title, "detail": detail,
        "login": login_url(request.url.path) if status == 401 else None,
    }, status_code=status)
