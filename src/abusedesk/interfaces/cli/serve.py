"""``abusedesk serve``: the main job, every part (SMTP intake, web, API, worker) in one process.

Each part is an async context manager ``part(container, options)`` that yields a line
describing what it serves (or None when it has nothing to do in this configuration);
parts start in the order of ``SERVE_PARTS`` and stop in reverse on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
from contextlib import AsyncExitStack
from typing import Any

import typer

from abusedesk.config import load_settings
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.serve_options import DemoOutbox, ServeOptions
from abusedesk.interfaces.smtpd.outbox import free_local_port, relay_answers

SERVE_PARTS = (
    "abusedesk.interfaces.smtpd.outbox:demo_outbox_component",
    "abusedesk.interfaces.workers.component:embedded_worker_component",
    "abusedesk.interfaces.smtpd.component:smtp_intake_component",
    "abusedesk.interfaces.smtpd.imap:imap_poller_component",
    "abusedesk.interfaces.api.server:http_component",
    "abusedesk.interfaces.web.demo:demo_component",
)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


async def _serve(container: Any, options: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with AsyncExitStack() as stack:
        for path in SERVE_PARTS:
            line = await stack.enter_async_context(_load(path)(container, options))
            if line:
                console.print(line)
        console.print("abusedesk is running; Ctrl-C stops it")
        await stop.wait()
        console.print("stopping")


def serve(
    demo: bool = typer.Option(False, "--demo",
                              help="Load sample customers and replay sample complaints."),
) -> None:
    """Run abusedesk: abuse@ intake, web UI and API, and (on SQLite) the job worker."""
    overrides: dict[str, Any] = {}
    outbox = None
    if demo:
        settings = load_settings()
        if not relay_answers(settings.relay_host, settings.relay_port):
            outbox = DemoOutbox(settings.data_dir / "demo-outbox", free_local_port())
            overrides = {"relay_host": "127.0.0.1", "relay_port": outbox.port,
                         "relay_starttls": False, "relay_user": None, "relay_password": None}
    with container_for_command(**overrides) as container:
        console.print(f"database: {container.engine.url.render_as_string(hide_password=True)}")
        stored = container.policies.in_force().stored
        console.print(f"policy in force: {stored.policy.title} ({stored.label}, "
                      f"{len(stored.policy.clauses)} clauses)")
        asyncio.run(_serve(container, ServeOptions(demo=demo, outbox=outbox)))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
