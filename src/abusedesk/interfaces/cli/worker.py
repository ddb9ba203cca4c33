"""``abusedesk worker``: run background jobs; ``abusedesk worker ping``: prove workers run them."""

from __future__ import annotations

import secrets
import signal
import time

import typer
from sqlalchemy import func, select

from abusedesk.adapters.db.tables.jobs import QueuePingRow
from abusedesk.config import load_settings
from abusedesk.domain.errors import StorageError
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.workers.runner import build_embedded_worker, run_procrastinate_worker

worker_app = typer.Typer(help="Background jobs.", invoke_without_command=True)


@worker_app.callback()
def worker(
    ctx: typer.Context,
    concurrency: int | None = typer.Option(None, help="Jobs run at once (default: setting)."),
    name: str | None = typer.Option(None, help="Worker name shown in logs."),
    burst: bool = typer.Option(False, "--burst", help="Exit once no job is left."),
) -> None:
    """Run jobs until stopped: procrastinate on PostgreSQL, in-process on SQLite."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if not settings.is_embedded:
        # Make sure the schema is current before taking jobs.
        with container_for_command():
            pass
        console.print("worker started (procrastinate on PostgreSQL); Ctrl-C stops it")
        run_procrastinate_worker(settings, concurrency=concurrency or settings.worker_concurrency,
                                 name=name, wait=not burst)
        return
    with container_for_command() as container:
        embedded = build_embedded_worker(container)
        if burst:
            done = embedded.run_until_idle()
            console.print(f"{done} job(s) run; none left")
            return
        console.print("worker started (embedded, SQLite); Ctrl-C stops it")
        embedded.start()
        stopping = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
        try:
            while not stopping["now"]:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        embedded.stop()


@worker_app.command("ping")
def ping(
    count: int = typer.Option(1, min=1, max=100_000, help="How many pings to send."),
    timeout: float = typer.Option(30.0, help="Seconds to wait for workers to answer."),
) -> None:
    """Enqueue pings and wait until workers have run each one; fails if they do not."""
    token_prefix = secrets.token_hex(6)
    with container_for_command() as container:
        with container.uow() as uow:
            for index in range(count):
                uow.enqueue("queue.ping", {"token": f"{token_prefix}-{index}"})
            uow.commit()
        deadline = time.monotonic() + timeout
        while True:
            with container.sessions() as session:
                answered = session.scalar(
                    select(func.count(func.distinct(QueuePingRow.token)))
                    .where(QueuePingRow.token.like(f"{token_prefix}-%")))
                workers = session.scalar(
                    select(func.count(func.distinct(QueuePingRow.worker)))
                    .where(QueuePingRow.token.like(f"{token_prefix}-%")))
            if answered == count:
                console.print(f"{count} ping(s) answered by {workers} worker(s)")
                return
            if time.monotonic() > deadline:
                raise StorageError(f"only {answered} of {count} ping(s) answered in {timeout:g}s: "
                                   "is a worker running (`abusedesk worker`)?")
            time.sleep(0.2)


def register(app: typer.Typer) -> None:
    app.add_typer(worker_app, name="worker")
