"""``serve --demo`` as a part of ``abusedesk serve``: load the samples, print the demo login."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from abusedesk.bootstrap import Container
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.interfaces.serve_options import ServeOptions
from abusedesk.services.demo import DemoService


@asynccontextmanager
async def demo_component(container: Container, options: ServeOptions) -> AsyncIterator[str | None]:
    """With ``--demo``: sample customers, sample complaints, and a user to sign in with."""
    if not options.demo:
        yield None
        return
    service = DemoService(access_service(container), container.customers,
                          container.intake)
    report = await asyncio.to_thread(service.run)
    yield "\n".join(report.lines())
