"""Security headers on every response: an ASGI middleware, and the one function that adds them.

The Content-Security-Policy allows scripts, styles and images from this origin only: no
inline script, no inline style attribute, no eval, no frames. Complaint content is
attacker-controlled; even if some of it reached a page unescaped it could not run.
Responses other than static files are never cached (they hold case data).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Response headers as ASGI has them: (lower-case name, value) pairs of bytes.
RawHeaders = list[tuple[bytes, bytes]]

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


def security_headers(*, hsts: bool) -> RawHeaders:
    """``BASE_HEADERS``, and HSTS on https deployments."""
    headers = list(BASE_HEADERS)
    if hsts:
        headers.append(("strict-transport-security", "max-age=31536000"))
    return [(name.encode(), value.encode()) for name, value in headers]


def with_security_headers(headers: Sequence[tuple[bytes, bytes]], security: RawHeaders, *,
                          cacheable: bool) -> RawHeaders:
    """``headers`` and each of ``security`` they lack (a handler's own choice stands);
    ``Cache-Control: no-store`` unless ``cacheable`` or already set."""
    present = {name.lower() for name, _ in headers}
    extra = [(name, value) for name, value in security if name not in present]
    if not cacheable and b"cache-control" not in present:
        extra.append((b"cache-control", b"no-store"))
    return [*headers, *extra]


class SecurityHeaders:
    """Adds the security headers to every response; static files alone may be cached."""

    def __init__(self, app: ASGIApp, *, hsts: bool, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(
                    message.get("headers", []), self.headers, cacheable=static)
            await send(message)

        await self.app(scope, receive, send_with_headers)
