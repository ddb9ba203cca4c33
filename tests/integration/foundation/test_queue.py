"""The job queue: jobs exist exactly when their transaction commits, and run once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from abusedesk.adapters.db.tables.jobs import EmbeddedJobRow, QueuePingRow
from abusedesk.adapters.queue.embedded import LEASE, EmbeddedTask, EmbeddedWorker
from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.clock import FrozenClock
from abusedesk.interfaces.workers.runner import build_embedded_worker


def _pings(container: Container) -> list[QueuePingRow]:
    with container.sessions() as session:
        return list(session.scalars(select(QueuePingRow)))


def _embedded_jobs(container: Container) -> list[EmbeddedJobRow]:
    with container.sessions() as session:
        return list(session.scalars(select(EmbeddedJobRow)))


@pytest.fixture
def embedded(sqlite_url: str, tmp_path, clock: FrozenClock) -> Container:
    built = build_container(Settings(database_url=sqlite_url, data_dir=tmp_path), clock=clock)
    prepare_database(built)
    yield built
    built.close()


def test_committed_job_runs_once_and_leaves_no_row(embedded: Container) -> None:
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "a"})
        uow.commit()
    worker = build_embedded_worker(embedded)
    assert worker.run_until_idle() == 1
    assert worker.run_until_idle() == 0
    assert [p.token for p in _pings(embedded)] == ["a"]
    assert _embedded_jobs(embedded) == []


def test_rolled_back_job_never_exists(embedded: Container) -> None:
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "lost-with-its-transaction"})
        uow.rollback()
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "never-committed"})
    assert _embedded_jobs(embedded) == []
    assert build_embedded_worker(embedded).run_until_idle() == 0


def test_failing_job_is_retried_with_backoff_then_kept_as_failed(
        embedded: Container, clock: FrozenClock) -> None:
    calls: list[dict] = []

    def explode(args) -> None:
        calls.append(dict(args))
        raise RuntimeError("relay unreachable")

    worker = EmbeddedWorker(embedded.sessions, embedded.queue,
                            {"flaky": EmbeddedTask(explode, retries=3)}, clock)
    with embedded.uow() as uow:
        uow.enqueue("flaky", {"case_id": 7})
        uow.commit()
    assert worker.run_until_idle() == 1
    (job,) = _embedded_jobs(embedded)
    assert (job.status, job.attempts) == ("todo", 1)
    assert job.run_at == clock.now() + timedelta(seconds=2)
    assert worker.run_until_idle() == 0  # not due yet
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        worker.run_until_idle()
    (job,) = _embedded_jobs(embedded)
    assert (job.status, job.attempts) == ("failed", 3)
    assert "relay unreachable" in job.last_error
    assert calls == [{"case_id": 7}] * 3
    clock.advance(timedelta(days=1))
    assert worker.run_until_idle() == 0  # failed jobs wait for a person


def test_job_of_a_crashed_worker_runs_again_after_its_lease(
        embedded: Container, clock: FrozenClock) -> None:
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "interrupted"})
        uow.commit()
    crashed = build_embedded_worker(embedded)
    assert crashed._claim() is not None  # claimed, then the process "dies"
    survivor = build_embedded_worker(embedded)
    assert survivor.run_until_idle() == 0  # the lease still holds
    clock.advance(LEASE + timedelta(seconds=1))
    assert survivor.run_until_idle() == 1
    assert [p.token for p in _pings(embedded)] == ["interrupted"]


def test_job_of_a_killed_process_runs_at_once_on_the_next_start(
        embedded: Container, clock: FrozenClock) -> None:
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "orphan"})
        uow.commit()
    doomed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    claimant = build_embedded_worker(embedded)
    claimant.identity = f"{claimant.identity.rpartition(':')[0]}:{doomed.pid}"
    assert claimant._claim() is not None  # claimed "by" the doomed process
    survivor = build_embedded_worker(embedded)
    assert survivor.run_until_idle() == 0  # its claimant is alive: the lease holds
    doomed.kill()
    doomed.wait()
    clock.advance(timedelta(minutes=1))  # the next orphan check is due
    assert survivor.run_until_idle() == 1  # released long before the lease would expire
    assert [p.token for p in _pings(embedded)] == ["orphan"]


def test_jobs_sharing_a_lock_do_not_run_together(embedded: Container, clock: FrozenClock) -> None:
    with embedded.uow() as uow:
        uow.enqueue("queue.ping", {"token": "first"}, lock="case-1")
        uow.enqueue("queue.ping", {"token": "second"}, lock="case-1")
        uow.enqueue("queue.ping", {"token": "other"}, lock="case-2")
        uow.commit()
    worker = build_embedded_worker(embedded)
    first = worker._claim()
    other = worker._claim()
    assert first is not None and other is not None
    assert (first[2]["token"], other[2]["token"]) == ("first", "other")
    assert worker._claim() is None  # "second" waits for case-1's lease


def test_periodic_task_is_enqueued_when_due(embedded: Container, clock: FrozenClock) -> None:
    ran: list[int] = []
    worker = EmbeddedWorker(
        embedded.sessions, embedded.queue,
        {"tick": EmbeddedTask(lambda args: ran.append(args["timestamp"]), retries=1,
                              cron="*/5 * * * *")},
        clock)
    worker.schedule_periodic()
    assert worker.run_until_idle() == 0
    clock.advance(timedelta(minutes=5))
    worker.schedule_periodic()
    assert worker.run_until_idle() == 1
    assert len(ran) == 1


# -- PostgreSQL: procrastinate ---------------------------------------------------------

def _procrastinate_jobs(url: str) -> list[tuple[str, dict]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                text("SELECT task_name, args FROM procrastinate_jobs ORDER BY id"))]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_enqueue_is_part_of_the_transaction(postgres_url: str, tmp_path) -> None:
    container = build_container(Settings(database_url=postgres_url, data_dir=tmp_path))
    try:
        with container.uow() as uow:
            uow.enqueue("queue.ping", {"token": "rolled-back"})
            uow.rollback()
        assert _procrastinate_jobs(postgres_url) == []
        with container.uow() as uow:
            uow.enqueue("queue.ping", {"token": "kept"}, lock="ping")
            uow.commit()
        assert _procrastinate_jobs(postgres_url) == [("queue.ping", {"token": "kept"})]
    finally:
        container.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_two_worker_processes_run_each_job_exactly_once(postgres_url: str, tmp_path) -> None:
    jobs = 400
    env = {**os.environ, "ABUSEDESK_DATABASE_URL": postgres_url}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "abusedesk", "worker", "--concurrency", "4", "--name", f"w{n}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for n in (1, 2)
    ]
    container = build_container(Settings(database_url=postgres_url, data_dir=tmp_path))
    try:
        deadline = time.monotonic() + 60
        while True:  # both workers registered with procrastinate before any job exists
            with container.sessions() as session:
                registered = session.scalar(text("SELECT count(*) FROM procrastinate_workers"))
            if registered == 2:
                break
            assert time.monotonic() < deadline, "workers did not start"
            assert all(w.poll() is None for w in workers), "a worker exited early"
            time.sleep(0.2)
        with container.uow() as uow:
            for index in range(jobs):
                uow.enqueue("queue.ping", {"token": f"job-{index}"})
            uow.commit()
        deadline = time.monotonic() + 120
        while True:
            with container.sessions() as session:
                done = session.scalar(select(func.count()).select_from(QueuePingRow))
            if done >= jobs:
                break
            assert time.monotonic() < deadline, f"only {done} of {jobs} jobs ran"
            time.sleep(0.2)
        time.sleep(1.0)  # a duplicate run would land in this second
        pings = _pings(container)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        container.close()
    per_token = Counter(p.token for p in pings)
    assert len(per_token) == jobs
    assert max(per_token.values()) == 1, "a job ran more than once"
    processes = {p.worker.split(":")[1] for p in pings}
    assert len(processes) == 2, f"jobs were run by {len(processes)} process(es), expected 2"
