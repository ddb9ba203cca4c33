"""Running the registered tasks: in-process (SQLite) or as procrastinate workers (PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
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
    tasks = {spec.name: EmbeddedTask(_with_mapping(bind(spec, lambda: container)),
                                     spec.retries, spec.schedule(container.settings))
             for spec in all_tasks().values()}
    return embedded_worker(container, tasks, poll_seconds=poll_seconds)


def _with_mapping(job: Callable[..., None]) -> Callable[[Mapping[str, Any]], None]:
    """``job`` taking its keyword arguments as one mapping, as the embedded worker passes them."""

    def run(args: Mapping[str, Any]) -> None:
        job(**args)

    return run


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
        ((spec.name, bind(spec, container), spec.retries, spec.schedule(settings))
         for spec in specs),
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
