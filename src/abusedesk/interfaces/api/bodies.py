"""Reading request bodies within a bound: refused with 413 before they fill memory."""

from __future__ import annotations

from starlette.requests import Request

from abusedesk.domain.errors import InputLimitExceeded


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
