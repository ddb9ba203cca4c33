"""The embedded job queue: a table in the application database and an in-process worker.

Used on SQLite, where procrastinate cannot run. A job row is written in the transaction
that wrote the job's input; the worker claims a due row by moving it to ``doing`` with a
lease (``run_at`` pushed into the future) and its ``host:pid``, runs the task, and deletes
the row. A worker that dies mid-job leaves a lease that expires, so the job runs again:
tasks are idempotent. A worker starting on the same host does not wait for that expiry: it
releases at once the leases of processes that no longer exist. Failures are retried with
exponential backoff, then kept as ``failed`` with the error.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from abusedesk.adapters.db.tables.jobs import EmbeddedJobRow
from abusedesk.domain.clock import Clock

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
ORPHAN_CHECK_INTERVAL = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class EmbeddedTask:
    """How the embedded worker runs one task name."""

    run: Callable[[Mapping[str, Any]], None]
    retries: int
    cron: str | None = None


class EmbeddedQueue:
    """The enqueue side; ``committed()`` wakes the worker of this process."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.wakeup = threading.Event()

    def enqueue(self, session: Session, task: str, args: dict[str, Any], *,
                lock: str | None, run_at: datetime | None) -> None:
        now = self._clock.now()
        session.add(EmbeddedJobRow(
            task_name=task, args=args, lock=lock, status="todo", attempts=0,
            run_at=run_at or now, created_at=now,
        ))

    def committed(self) -> None:
        self.wakeup.set()


class EmbeddedWorker:
    """Runs due jobs one at a time in a background thread; schedules periodic tasks."""

    def __init__(self, sessions: sessionmaker[Session], queue: EmbeddedQueue,
                 tasks: Mapping[str, EmbeddedTask], clock: Clock, *,
                 poll_seconds: float = 1.0, name: str = "embedded") -> None:
        self._sessions = sessions
        self._queue = queue
        self._tasks = tasks
        self._clock = clock
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_periodic: dict[str, datetime] = {}
        self._orphans_checked_at: datetime | None = None
        self.name = name
        self.identity = f"{socket.gethostname()}:{os.getpid()}"

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._queue.wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.schedule_periodic()
                if self.run_one():
                    continue
            except Exception:  # noqa: BLE001 - the worker must outlive a database hiccup
                log.exception("embedded worker loop failed; retrying")
            self._queue.wakeup.wait(self._poll)
            self._queue.wakeup.clear()

    # -- one step at a time (also used by tests and `abusedesk worker --once`) --------
    def run_until_idle(self, limit: int = 100_000) -> int:
        """Run due jobs until none is left; returns how many ran."""
        done = 0
        while done < limit and self.run_one():
            done += 1
        return done

    def run_one(self) -> bool:
        checked = self._orphans_checked_at
        if checked is None or self._clock.now() - checked >= ORPHAN_CHECK_INTERVAL:
            self.release_orphans()
        job = self._claim()
        if job is None:
            return False
        job_id, task_name, args, attempts = job
        task = self._tasks.get(task_name)
        try:
            if task is None:
                raise LookupError(f"no task named {task_name!r} is registered")
            task.run(args)
        except Exception:  # noqa: BLE001 - a failing job is recorded, never lost
            self._failed(job_id, attempts, task.retries if task else 0, traceback.format_exc())
        else:
            with self._sessions.begin() as session:
                session.execute(delete(EmbeddedJobRow).where(EmbeddedJobRow.id == job_id))
        return True

    def release_orphans(self) -> int:
        """Make due again the jobs whose claiming process on this host has died."""
        host, _, _ = self.identity.partition(":")
        with self._sessions.begin() as session:
            claimed = session.execute(
                select(EmbeddedJobRow.id, EmbeddedJobRow.claimed_by)
                .where(EmbeddedJobRow.status == "doing")
            ).all()
            orphans = [job_id for job_id, claimant in claimed
                       if claimant is not None and _is_dead(claimant, host)]
            if orphans:
                session.execute(update(EmbeddedJobRow).where(EmbeddedJobRow.id.in_(orphans))
                                .values(status="todo", run_at=self._clock.now(), claimed_by=None))
        self._orphans_checked_at = self._clock.now()
        if orphans:
            log.warning("released %s job(s) left by a process that died", len(orphans))
        return len(orphans)

    def schedule_periodic(self) -> None:
        now = self._clock.now()
        for name, task in self._tasks.items():
            if task.cron is None:
                continue
            due = self._next_periodic.get(name)
            if due is None:
                self._next_periodic[name] = croniter(task.cron, now).get_next(datetime)
                continue
            if due <= now:
                with self._sessions.begin() as session:
                    self._queue.enqueue(session, name, {"timestamp": int(due.timestamp())},
                                        lock=name, run_at=now)
                self._next_periodic[name] = croniter(task.cron, now).get_next(datetime)

    def _claim(self) -> tuple[int, str, dict[str, Any], int] | None:
        now = self._clock.now()
        with self._sessions.begin() as session:
            busy_locks = select(EmbeddedJobRow.lock).where(
                EmbeddedJobRow.status == "doing", EmbeddedJobRow.run_at > now,
                EmbeddedJobRow.lock.is_not(None),
            )
            row = session.scalars(
                select(EmbeddedJobRow)
                .where(EmbeddedJobRow.status.in_(("todo", "doing")), EmbeddedJobRow.run_at <= now)
                .where((EmbeddedJobRow.lock.is_(None)) | (EmbeddedJobRow.lock.not_in(busy_locks)))
                .order_by(EmbeddedJobRow.run_at, EmbeddedJobRow.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            row.status = "doing"
            row.run_at = now + LEASE
            row.claimed_by = self.identity
            return row.id, row.task_name, dict(row.args), row.attempts

    def _failed(self, job_id: int, attempts: int, retries: int, error: str) -> None:
        now = self._clock.now()
        attempts += 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error[-4000:],
                                  "claimed_by": None}
        if attempts >= max(retries, 1):
            values.update(status="failed", run_at=now)
            log.error("job %s failed for good after %s attempts", job_id, attempts)
        else:
            backoff = min(timedelta(seconds=2 ** attempts), MAX_BACKOFF)
            values.update(status="todo", run_at=now + backoff)
        with self._sessions.begin() as session:
            session.execute(
                update(EmbeddedJobRow).where(EmbeddedJobRow.id == job_id).values(**values))


def _is_dead(claimant: str, this_host: str) -> bool:
    """True when ``claimant`` ("host:pid") is a process of this host that no longer runs."""
    host, _, pid_text = claimant.rpartition(":")
    if host != this_host or not pid_text.isdigit():
        return False  # another host's process: only its lease can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    return False
