"""Running the registered tasks: in-process (SQLite) or as procrastinate workers (PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from abusedesk.adapters.queue.embedded import EmbeddedTask, EmbeddedWorker
from abusedesk.adapters.queue.procrastinate_queue import build_app
from abusedesk.bootstrap import Container, embedded_worker, open_container
from abusedesk.config import Settings
from abusedesk.interfaces.workers.registry import all_tasks, bind

log = logging.getLogger(__name__)


def start_embedded_worker(container: Container, *, poll_seconds: float = 1.0) -> EmbeddedWorker:
    """Start the background thread that runs every task in this process."""
    worker = build_embedded_worker(container, poll_seconds=poll_seconds)
    worker.start()
    return worker


def build_embedded_worker(container: Container, *, poll_seconds: float = 1.0) -> EmbeddedWorker:
    tasks = {}
    for spec in all_tasks().values():
        job = bind(spec, lambda: container)
        tasks[spec.name] = EmbeddedTask(lambda args, job=job: job(**args), spec.retries, spec.cron)
    return embedded_worker(container, tasks, poll_seconds=poll_seconds)


def run_procrastinate_worker(settings: Settings, *, concurrency: int, name: str | None,
                             wait: bool = True) -> None:
    """Run a procrastinate worker in the foreground until a signal stops it."""
    lock = threading.Lock()
    shared: dict[str, Container] = {}

    def container() -> Container:
        # One container per process, opened by the first job that needs it.
        with lock:
            if "container" not in shared:
                shared["container"] = open_container(settings)
            return shared["container"]

    specs = all_tasks().values()
    app = build_app(
        settings.effective_database_url,
        ((spec.name, bind(spec, container), spec.retries, spec.cron) for spec in specs),
    )
    options: dict[str, Any] = {
        "concurrency": concurrency, "wait": wait, "delete_jobs": "successful",
    }
    if name:
        options["name"] = name
    try:
        app.run_worker(**options)
    finally:
        if "container" in shared:
            shared["container"].close()
