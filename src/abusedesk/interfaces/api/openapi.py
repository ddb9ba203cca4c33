"""The OpenAPI description says how to authenticate: a bearer token, on every operation whose
access rule asks for one.

FastAPI only describes security it implements itself; abusedesk's rules are its own
(``abusedesk.interfaces.api.auth``), so this adds the ``bearerToken`` scheme and each
token-guarded operation's ``security`` and permission. Generated clients and API explorers
then send the token without being told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI

from abusedesk.interfaces.api.auth import AccessRule, Channel

SCHEME = "bearerToken"
SCHEME_DESCRIPTION = ("An API token (`adk_...`) from `abusedesk tokens create` or the access "
                      "page, sent as `Authorization: Bearer <token>`.")


def token_operations(routes: Iterable[tuple[str, frozenset[str], tuple[AccessRule, ...]]]
                     ) -> dict[tuple[str, str], str | None]:
    """``(path, method)`` of the token-guarded routes, with the permission each needs."""
    guarded: dict[tuple[str, str], str | None] = {}
    for path, methods, rules in routes:
        for rule in rules:
            if rule.channel is Channel.API:
                for method in methods:
                    permission = rule.permission.value if rule.permission else None
                    guarded[(path, method.lower())] = permission
    return guarded


def with_security(schema: dict[str, Any],
                  guarded: dict[tuple[str, str], str | None]) -> dict[str, Any]:
    """``schema`` with the bearer scheme and, on every guarded operation, its use."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http", "scheme": "bearer", "description": SCHEME_DESCRIPTION}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (path, method) not in guarded:
                continue
            operation["security"] = [{SCHEME: []}]
            permission = guarded[(path, method)]
            if permission:
                operation["x-permission"] = permission
    return schema


def describe_security(app: FastAPI,
                      routes: Callable[[], Iterable[tuple[str, frozenset[str],
                                                        tuple[AccessRule, ...]]]]) -> None:
    """Make ``app.openapi()`` describe the bearer tokens (built once, on first request)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_security(plain(), token_operations(routes()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
