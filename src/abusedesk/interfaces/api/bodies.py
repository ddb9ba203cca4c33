"""Request bodies within bounds, refused with 413 before they fill memory: the outer bound
on every request (``BodyLimit``, an ASGI middleware) and each route's own (``bounded_body``);
and bodies as the UTF-8 text that policy files and customer imports must be."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from abusedesk.domain.errors import InputLimitExceeded, InvalidInput
from abusedesk.interfaces.api.problems import problem_for, problem_response


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise InputLimitExceeded(f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InputLimitExceeded(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def utf8_text(data: bytes, what: str, *, encoding: str = "utf-8") -> str:
    """``data`` decoded (``utf-8``, or ``utf-8-sig`` to drop a byte order mark); otherwise
    ``InvalidInput`` saying that ``what`` must be UTF-8 text."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} must be UTF-8 text") from None


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
                # Answered here, outside the app's exception handlers; nothing is read.
                error = self._too_large()
                kind = problem_for(error)
                response = problem_response(kind.status, kind.title, str(error),
                                            type_uri=kind.uri)
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> InputLimitExceeded:
        return InputLimitExceeded(f"the request body is larger than {self.max_bytes:,} bytes")
