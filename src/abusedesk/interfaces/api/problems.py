"""Errors as HTTP problem details (RFC 9457), mapped in one place.

Every error of the ``AbuseDeskError`` tree, FastAPI's request validation errors, HTTP
errors raised by Starlette (unknown path, wrong method) and unexpected exceptions become an
``application/problem+json`` body on API paths. On the staff UI and portal paths the same
status is rendered as an HTML error page by ``abusedesk.interfaces.web.errors`` (which
registers itself through ``html_renderer``); nothing about the internals leaks either way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from abusedesk.domain.errors import (
    AbuseDeskError,
    AccessDenied,
    ConfigurationError,
    Conflict,
    InputLimitExceeded,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    ParseError,
    PolicyError,
    StorageError,
    TooManyAttempts,
)
from abusedesk.interfaces.api.headers import security_headers, with_security_headers

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"{API_PREFIX}/problems/{self.slug}"


#: Problem types by error class; the first matching class wins (subclasses first).
PROBLEM_TYPES: tuple[tuple[type[BaseException], ProblemType], ...] = (
    (NotAuthenticated, ProblemType("unauthenticated", 401, "Authentication required",
                                   "Send a valid API token as `Authorization: Bearer <token>`.")),
    (AccessDenied, ProblemType("forbidden", 403, "Not allowed",
                               "The token or user lacks the permission this needs.")),
    (TooManyAttempts, ProblemType("too-many-attempts", 429, "Too many attempts",
                                  "Too many failed sign-ins; wait for `Retry-After` seconds.")),
    (NotFound, ProblemType("not-found", 404, "Not found",
                           "The record named does not exist, or is not visible to you.")),
    (InputLimitExceeded, ProblemType("input-too-large", 413, "Input too large",
                                     "The input exceeds a documented size or depth bound.")),
    (Conflict, ProblemType("conflict", 409, "Conflict",
                           "The request contradicts the stored state (a duplicate, an "
                           "illegal state change).")),
    (InvalidInput, ProblemType("invalid-input", 422, "Invalid input",
                               "A value given in the request is malformed.")),
    (PolicyError, ProblemType("policy", 422, "Policy error",
                              "The policy operation cannot be done as asked.")),
    (ParseError, ProblemType("unparseable", 422, "Unparseable input",
                             "The complaint or document could not be parsed.")),
    (StorageError, ProblemType("storage", 503, "Storage unavailable",
                               "The database failed; retry the request later.")),
    (ConfigurationError, ProblemType("configuration", 500, "Server misconfigured",
                                     "The server's configuration is wrong; tell its operator.")),
    (AbuseDeskError, ProblemType("error", 500, "Error", "The request could not be done.")),
)

VALIDATION = ProblemType("validation", 422, "Invalid request",
                         "The request does not match the API's schema; see `errors`.")
INTERNAL = ProblemType("internal", 500, "Internal error",
                       "Something unexpected failed; the server log has the details.")
HTTP_TITLES = {400: "Bad request", 401: "Authentication required", 403: "Not allowed",
               404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
               413: "Content too large", 415: "Unsupported media type", 429: "Too many requests"}

ALL_TYPES = {kind.slug: kind for _, kind in PROBLEM_TYPES} | {
    VALIDATION.slug: VALIDATION, INTERNAL.slug: INTERNAL}

#: Renders an HTML error page for non-API paths: (request, status, title, detail, error).
HtmlRenderer = Callable[[Request, int, str, str, BaseException], Awaitable[Response]]


def problem_for(error: BaseException) -> ProblemType:
    for error_class, kind in PROBLEM_TYPES:
        if isinstance(error, error_class):
            return kind
    return INTERNAL


def problem_response(status: int, title: str, detail: str | None, *, type_uri: str,
                     instance: str | None = None, headers: dict[str, str] | None = None,
                     **extensions: Any) -> JSONResponse:
    """A problem details response; extension members go beside the standard ones."""
    body: dict[str, Any] = {"type": type_uri, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/")


def _headers_for(error: BaseException, status: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="abusedesk"'
    return headers


def install(app: FastAPI, html_renderer: HtmlRenderer | None = None, *,
            hsts: bool = False) -> None:
    """Register the exception handlers on ``app`` (``hsts``: it is served over https)."""
    security = security_headers(hsts=hsts)

    async def respond(request: Request, error: BaseException, status: int, title: str,
                      detail: str, type_uri: str, **extensions: Any) -> Response:
        if not _is_api(request) and html_renderer is not None:
            return await html_renderer(request, status, title, detail, error)
        return problem_response(status, title, detail, type_uri=type_uri,
                                instance=request.url.path,
                                headers=_headers_for(error, status), **extensions)

    @app.exception_handler(AbuseDeskError)
    async def domain_error(request: Request, error: AbuseDeskError) -> Response:
        kind = problem_for(error)
        if kind.status >= 500:
            log.error("request %s %s failed: %s", request.method, request.url.path, error)
        return await respond(request, error, kind.status, kind.title, str(error), kind.uri)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = [{"location": ".".join(str(p) for p in item.get("loc", ())),
                   "message": item.get("msg", "")} for item in error.errors()]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])
        return await respond(request, error, VALIDATION.status, VALIDATION.title, detail,
                             VALIDATION.uri, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        title = HTTP_TITLES.get(error.status_code, "Error")
        detail = error.detail if isinstance(error.detail, str) else title
        response = await respond(request, error, error.status_code, title, detail,
                                 "about:blank")
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        response = await respond(request, error, INTERNAL.status, INTERNAL.title,
                                 "the server could not complete the request", INTERNAL.uri)
        # Starlette sends this answer from outside every middleware, SecurityHeaders too.
        response.raw_headers = with_security_headers(response.raw_headers, security,
                                                     cacheable=False)
        return response
