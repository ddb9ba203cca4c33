"""The one HTTP app: the REST API under ``/api/v1``, the staff web UI, the customer portal.

``create_app(container)`` builds it. Every route must declare exactly one access rule
(``abusedesk.interfaces.api.auth``); building an app with a route that has none fails, so
no endpoint can be added without saying who may call it. The OpenAPI description is at
``/api/openapi.json`` (no interactive docs page: it would need scripts from a CDN).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Mount, Route

from abusedesk import __version__
from abusedesk.bootstrap import Container
from abusedesk.interfaces.api import problems
from abusedesk.interfaces.api.auth import AccessRule
from abusedesk.interfaces.api.bodies import BodyLimit
from abusedesk.interfaces.api.headers import SecurityHeaders
from abusedesk.interfaces.api.openapi import describe_security
from abusedesk.interfaces.api.wiring import build_services

API_PREFIX = "/api/v1"
OPENAPI_URL = "/api/openapi.json"
STATIC_PATH = "/static"

#: Route modules of the API, each exposing ``router`` (under ``API_PREFIX``, or its ``PREFIX``).
API_ROUTERS = (
    "access",
    "actions",
    "bulk",
    "cases",
    "complaints",
    "customers",
    "policies",
    "problem_types",
    "reports",
)
#: Route modules of the staff UI and portal, each exposing ``router`` (mounted at the root).
WEB_ROUTERS = (
    "signin",
    "cases",
    "complaints",
    "customers",
    "dashboard",
    "policy",
    "admin",
    "portal",
)
#: Routes the framework adds itself; public by nature.
FRAMEWORK_PATHS = frozenset({OPENAPI_URL})


class MissingAccessRule(RuntimeError):
    """A route was added without saying who may call it."""


def create_app(container: Container) -> FastAPI:
    """The app for ``container``; routes reach services through ``app.state.services``."""
    from abusedesk.interfaces.web.errors import html_error

    app = FastAPI(
        title="abusedesk API",
        version=__version__,
        description="Complaints, events, cases, customers, policy versions and enforcement "
                    "actions of an abuse desk. Authenticate with `Authorization: Bearer "
                    "<token>`; errors are RFC 9457 problem details.",
        openapi_url=OPENAPI_URL, docs_url=None, redoc_url=None,
    )
    app.state.services = build_services(container)
    problems.install(app, html_renderer=html_error, hsts=app.state.services.secure_cookies)
    for name in API_ROUTERS:
        module = importlib.import_module(f"abusedesk.interfaces.api.routes.{name}")
        app.include_router(module.router, prefix=getattr(module, "PREFIX", API_PREFIX))
    for name in WEB_ROUTERS:
        module = importlib.import_module(f"abusedesk.interfaces.web.routes.{name}")
        app.include_router(module.router)
    static_dir = resources.files("abusedesk.interfaces.web").joinpath("static")
    app.mount(STATIC_PATH, StaticFiles(directory=str(static_dir)), name="static")
    app.add_middleware(BodyLimit, max_bytes=body_limit(container))
    # Added last, so outermost: BodyLimit's own refusals carry the headers too.
    app.add_middleware(SecurityHeaders, hsts=app.state.services.secure_cookies,
                       static_prefix=STATIC_PATH + "/")
    check_access_rules(app)
    describe_security(app, lambda: [(info.path, info.methods, info.rules)
                                    for info in route_table(app)])
    return app


def body_limit(container: Container) -> int:
    """The largest request body taken: a complaint or an answer's evidence, plus form
    overhead."""
    settings = container.settings
    return max(settings.max_message_bytes, settings.evidence_max_bytes,
               2 * 1024 * 1024) + 1024 * 1024


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route as served: its full path, methods and access rules."""

    path: str
    methods: frozenset[str]
    rules: tuple[AccessRule, ...]
    kind: str  # "api-route", "static" or "framework"


def _dependency_rules(dependant: Any) -> Iterator[AccessRule]:
    for dependency in getattr(dependant, "dependencies", ()):
        if isinstance(dependency.call, AccessRule):
            yield dependency.call
        yield from _dependency_rules(dependency)


def _flatten(routes: list[BaseRoute]) -> Iterator[tuple[BaseRoute, Any]]:
    """(original route, effective route) pairs. Recent FastAPI keeps an included router as
    one branch of the route list; ``iter_route_contexts`` opens it up. Older ones flatten."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:
        for route in routes:
            yield route, route
        return
    for context in iterate(routes):
        yield context.original_route, context


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every route of ``app`` with its full path and access rules (for checks and tests)."""
    table = []
    for original, effective in _flatten(app.routes):
        path = str(getattr(effective, "path", "") or getattr(original, "path", ""))
        methods = frozenset(getattr(effective, "methods", None) or ())
        if isinstance(original, APIRoute):
            rules = tuple(_dependency_rules(getattr(effective, "dependant", original.dependant)))
            table.append(RouteInfo(path, methods, rules, "api-route"))
        elif isinstance(original, Mount) and path == STATIC_PATH:
            table.append(RouteInfo(path, frozenset({"GET", "HEAD"}), (), "static"))
        elif isinstance(original, Route) and path in FRAMEWORK_PATHS:
            table.append(RouteInfo(path, methods, (), "framework"))
        else:
            raise MissingAccessRule(f"unexpected route {original!r} at {path}: declare its "
                                    "access rule")
    return table


def check_access_rules(app: FastAPI) -> None:
    """Refuse routes without exactly one access rule (and unknown kinds of routes)."""
    for info in route_table(app):
        if info.kind == "api-route" and len(info.rules) != 1:
            raise MissingAccessRule(
                f"{sorted(info.methods)} {info.path} has {len(info.rules)} access rules; "
                "give it exactly one (api(), staff(), portal() or public())")
