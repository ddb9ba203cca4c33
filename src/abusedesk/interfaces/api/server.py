"""The HTTP part of ``abusedesk serve``: uvicorn in serve's own asyncio loop.

The listening socket is bound here, before uvicorn starts, so a busy port is a clear
configuration error and port 0 (any free port, for tests) is known at once; the line
printed names the real URL. Signals stay with ``serve`` (which stops every part in turn),
so uvicorn's own handlers are switched off.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn

from abusedesk.bootstrap import Container
from abusedesk.domain.errors import ConfigurationError
from abusedesk.interfaces.api.app import create_app
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.interfaces.serve_options import ServeOptions

SHUTDOWN_SECONDS = 10


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``abusedesk serve``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 when ``host`` is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # The explicit protocol matters: asyncio sets TCP_NODELAY on accepted connections only
    # when the listening socket says IPPROTO_TCP; without it each kept-alive request waits
    # ~40 ms for Nagle's algorithm.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigurationError(
            f"cannot listen for HTTP on {host}:{port} ({error.strerror}); set "
            "ABUSEDESK_HTTP_HOST / ABUSEDESK_HTTP_PORT") from None
    sock.listen(256)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextlib.asynccontextmanager
async def http_component(container: Container, options: ServeOptions) -> AsyncIterator[str | None]:
    """Serve the API, staff UI and portal until the context ends."""
    settings = container.settings
    sock = bind_socket(settings.http_host, settings.http_port)
    app = create_app(container)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            proxy_headers=True, server_header=False,
                            timeout_graceful_shutdown=SHUTDOWN_SECONDS)
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="abusedesk-http")
    while not server.started:
        if task.done():
            sock.close()
            error = task.exception()
            raise ConfigurationError(f"the HTTP server did not start: {error}")
        await asyncio.sleep(0.02)
    url = url_of(sock)
    line = (f"web: {url}/ (staff UI; customer portal at /portal; API at /api/v1, "
            "described at /api/openapi.json)")
    if not options.demo and not await asyncio.to_thread(access_service(container).has_users):
        line += ("\nweb: no staff user yet; create the first with "
                 "`abusedesk users add NAME --role admin --generate`")
    try:
        yield line
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
