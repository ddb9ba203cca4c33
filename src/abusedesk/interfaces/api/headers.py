"""Security headers on every response, and a bound on request bodies: ASGI middlewares.

The Content-Security-Policy allows scripts, styles and images from this origin only: no
inline script, no inline style attribute, no eval, no frames. Complaint content is
attacker-controlled; even if some of it reached a page unescaped it could not run.
Responses other than static files are never cached (they hold case data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abusedesk.domain.errors import InputLimitExceeded

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))

BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    """Adds ``BASE_HEADERS`` (and HSTS on https deployments) unless a handler set them."""

    def __init__(self, app: ASGIApp, *, hsts: bool, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix
        headers = list(BASE_HEADERS)
        if hsts:
            headers.append(("strict-transport-security", "max-age=31536000"))
        self.headers = [(name.encode(), value.encode()) for name, value in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(_join(message.get("headers", []), extra))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _join(first: Iterable[tuple[bytes, bytes]],
          second: Iterable[tuple[bytes, bytes]]) -> Iterable[tuple[bytes, bytes]]:
    yield from first
    yield from second


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` (413), declared or streamed.

    Uploads (complaints, evidence, policy files) have their own, smaller limits; this is
    the outer bound that keeps a form upload from filling the disk or memory first.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise InputLimitExceeded(f"the request body is larger than "
                                             f"{self.max_bytes:,} bytes")
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"type": "/api/problems/input-too-large", "title": "Input too large",
                       "status": 413,
                       "detail": f"the request body is larger than {limit:,} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
