"""The task registry: every background job abusedesk runs, by name.

A task is a function ``run(container, **args)`` whose arguments are ids and plain values;
it must be idempotent, because a job may run again after a crash. Modules listed in
``TASK_MODULES`` register their tasks with ``@task``. The same functions run under
procrastinate workers (PostgreSQL) and under the embedded worker (SQLite).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abusedesk.config import Settings

TASK_MODULES = ("health", "complaints", "cases", "blocklists")


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    run: Callable[..., None]
    retries: int = 5
    #: Periodic schedule (crontab, optional 6th field for seconds), or a function reading it
    #: from the settings (a schedule the operator sets).
    cron: str | Callable[[Settings], str] | None = None

    def schedule(self, settings: Settings) -> str | None:
        """The periodic schedule under ``settings``; None for a task run on demand."""
        return self.cron(settings) if callable(self.cron) else self.cron


_TASKS: dict[str, TaskSpec] = {}


def task(name: str, *, retries: int = 5,
         cron: str | Callable[[Settings], str] | None = None) -> Callable[
        [Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the task ``name``."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        existing = _TASKS.get(name)
        if existing is not None and existing.run is not function:
            raise RuntimeError(f"task {name!r} is registered twice")
        _TASKS[name] = TaskSpec(name, function, retries, cron)
        return function

    return register


def all_tasks() -> dict[str, TaskSpec]:
    for module in TASK_MODULES:
        importlib.import_module(f"abusedesk.interfaces.workers.{module}")
    return dict(_TASKS)


def bind(spec: TaskSpec, container_factory: Callable[[], Any]) -> Callable[..., None]:
    """The task as the queue calls it: keyword arguments only, container supplied."""

    def job(**args: Any) -> None:
        if spec.cron is None:
            args.pop("timestamp", None)
        spec.run(container_factory(), **args)

    job.__name__ = spec.name.replace(".", "_")
    job.__qualname__ = job.__name__
    return job
