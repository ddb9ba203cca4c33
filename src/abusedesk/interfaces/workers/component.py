"""The embedded worker as a part of ``abusedesk serve`` (SQLite only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from abusedesk.bootstrap import Container
from abusedesk.interfaces.serve_options import ServeOptions
from abusedesk.interfaces.workers.runner import start_embedded_worker


@asynccontextmanager
async def embedded_worker_component(container: Container,
                                    options: ServeOptions) -> AsyncIterator[str | None]:
    """Run the job worker in this process when the database is SQLite."""
    if not container.settings.is_embedded:
        yield None  # PostgreSQL: jobs run in `abusedesk worker` processes
        return
    worker = start_embedded_worker(container)
    try:
        yield "jobs: in-process worker (embedded mode)"
    finally:
        await asyncio.to_thread(worker.stop)
