"""procrastinate on PostgreSQL: transactional enqueue, and the worker app.

Jobs are inserted with procrastinate's own SQL function on the caller's connection, so a
job exists exactly when the transaction that wrote its input commits. A periodic task of our
own, ``queue.retry-stalled``, puts back the jobs of workers that died mid-job (killed, or
their machine lost): procrastinate finds them by the workers' missing heartbeats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from abusedesk.adapters.queue.base import DEFAULT_QUEUE

RETRY_STALLED_TASK = "queue.retry-stalled"

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, 0, :lock, NULL, CAST(:args AS jsonb), :run_at"
    ")]::procrastinate_job_to_defer_v1[])"
)


class ProcrastinateQueue:
    def enqueue(self, session: Session, task: str, args: dict[str, Any], *,
                lock: str | None, run_at: datetime | None) -> None:
        session.execute(
            _DEFER,
            {"queue": DEFAULT_QUEUE, "task": task, "lock": lock,
             "args": json.dumps(args), "run_at": run_at},
        )

    def committed(self) -> None:
        """Workers hear of new jobs through PostgreSQL LISTEN/NOTIFY; nothing to do."""


def libpq_conninfo(database_url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string for procrastinate's psycopg pool."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(
    database_url: str,
    tasks: Iterable[tuple[str, Callable[..., None], int, str | None]],
) -> procrastinate.App:
    """A procrastinate App with one task per (name, function, retries, cron) entry."""
    connector = procrastinate.PsycopgConnector(conninfo=libpq_conninfo(database_url))
    app = procrastinate.App(connector=connector)
    for name, function, retries, cron in tasks:
        retry = procrastinate.RetryStrategy(max_attempts=retries, exponential_wait=2) \
            if retries else False
        registered = app.task(name=name, queue=DEFAULT_QUEUE, retry=retry)(function)
        if cron is not None:
            app.periodic(cron=cron, periodic_id=name)(registered)

    async def retry_stalled(timestamp: int) -> None:
        for job in await app.job_manager.get_stalled_jobs():
            await app.job_manager.retry_job(job)

    stalled = app.task(name=RETRY_STALLED_TASK, queue=DEFAULT_QUEUE,
                       queueing_lock=RETRY_STALLED_TASK)(retry_stalled)
    app.periodic(cron="* * * * *", periodic_id=RETRY_STALLED_TASK)(stalled)
    return app
