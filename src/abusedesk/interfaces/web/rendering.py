"""Server-side rendering: one Jinja2 environment, autoescaping everything, and ``render``.

Every value that reaches a page is escaped by Jinja2 (``autoescape`` on for every template,
``|safe`` is never used on data). Complaint content therefore appears as text, whatever it
holds. ``render`` adds what every page needs (the principal, the CSRF token, the clock's
"now") and sets the pre-session cookie the CSRF token of an anonymous form is bound to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from abusedesk.interfaces.api.auth import (
    CSRF_FIELD,
    PRE_SESSION_COOKIE,
    cookie_name,
    csrf_token,
)
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission

PRE_SESSION_SECONDS = 2 * 3600

environment = Environment(
    loader=PackageLoader("abusedesk.interfaces.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def format_time(moment: datetime | None, style: str = "minute") -> str:
    """A UTC time for people: ``2026-03-02 09:30 UTC`` (``date``: the day only)."""
    if moment is None:
        return "-"
    if style == "date":
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def format_duration(span: timedelta | None) -> str:
    """``3 d 4 h``, ``5 h 10 min``, ``12 min``: two units at most."""
    if span is None:
        return "-"
    seconds = int(abs(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def deadline_status(due_at: datetime | None, now: datetime, *,
                    started_at: datetime | None = None) -> dict[str, str]:
    """How a deadline stands, for the queue's indicator: a CSS class and a phrase.

    ``overdue`` once passed; ``due-soon`` in the last quarter of the allowed time (or the
    last 12 hours when the start is unknown); ``on-time`` before that.
    """
    if due_at is None:
        return {"css": "no-deadline", "text": "no deadline"}
    left = due_at - now
    if left.total_seconds() <= 0:
        return {"css": "overdue", "text": f"overdue by {format_duration(left)}"}
    allowed = (due_at - started_at) if started_at is not None else None
    soon = allowed / 4 if allowed and allowed.total_seconds() > 0 else timedelta(hours=12)
    css = "due-soon" if left <= soon else "on-time"
    return {"css": css, "text": f"due in {format_duration(left)}"}


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` applied, without empty values, as ``?a=1&b=2``."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept, doseq=True) if kept else ""


environment.filters["when"] = format_time
environment.filters["duration"] = format_duration
environment.globals["deadline_status"] = deadline_status
environment.globals["query_string"] = query_string
environment.globals["CSRF_FIELD"] = CSRF_FIELD
environment.globals["Permission"] = Permission


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status_code: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render ``template`` with the page context every template can rely on."""
    services = services_of(request)
    principal = getattr(request.state, "principal", None)
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "csrf": csrf_token(request),
        "now": services.container.clock.now(),
        "path": request.url.path,
        "partial": request.headers.get("hx-request") == "true",
    }
    values.update(context or {})
    html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    new_pre = getattr(request.state, "new_pre_session", None)
    if new_pre:
        response.set_cookie(cookie_name(services, PRE_SESSION_COOKIE), new_pre,
                            max_age=PRE_SESSION_SECONDS, httponly=True, samesite="strict",
                            secure=services.secure_cookies, path="/")
    return response
