"""The periodic sweep job under the embedded worker (SQLite; procrastinate runs the same
task function): the schedule starts at the first tick, the sweep follows at the next time
it names, files its listings as cases whose notices the worker then sends."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from abusedesk.adapters.queue.embedded import EmbeddedWorker
from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.cases import CaseState
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.errors import ConfigurationError
from abusedesk.interfaces.workers.blocklists import (
    SWEEP_TASK,
    blocklist_monitor,
    scheduled_sweep,
)
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.interfaces.workers.registry import all_tasks
from abusedesk.interfaces.workers.runner import build_embedded_worker
from tests.integration.blocklists import world
from tests.integration.cases.relay import CapturingRelay
from tests.support.rbldnsd import Rbldnsd


@pytest.fixture
def embedded(sqlite_url: str, tmp_path: Path, relay: CapturingRelay, world_server: Rbldnsd,
             clock: FrozenClock) -> Iterator[Container]:
    zones_file = tmp_path / "zones.toml"
    zones_file.write_text(world.zones_toml(world_server.address), encoding="utf-8")
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path / "data",
                        relay_host="127.0.0.1", relay_port=relay.port,
                        mail_from=world.PROVIDER_FROM, secret_key="w" * 40,
                        blocklist_zones_file=zones_file, blocklist_sweep_cron="0 */6 * * *")
    built = build_container(settings, clock=clock)
    prepare_database(built)
    assert built.customers.import_text(json.dumps(world.CUSTOMERS), fmt="json").applied
    yield built
    built.close()


def tick(worker: EmbeddedWorker, clock: FrozenClock, until: datetime) -> None:
    """Move the clock to ``until`` and let the worker enqueue and run what became due."""
    clock.set(until)
    worker.schedule_periodic()
    worker.run_until_idle()


def test_the_sweep_job_is_registered_as_periodic() -> None:
    tasks = all_tasks()
    assert SWEEP_TASK in tasks and tasks[SWEEP_TASK].cron is not None


def test_the_schedule_starts_then_sweeps_at_its_next_time(embedded: Container,
                                                          clock: FrozenClock,
                                                          relay: CapturingRelay) -> None:
    start = clock.now()  # 09:30; the schedule names 00:00, 06:00, 12:00 and 18:00
    worker = build_embedded_worker(embedded)
    worker.schedule_periodic()  # learns when each periodic task is next due
    tick(worker, clock, start + timedelta(minutes=1))
    monitor = blocklist_monitor(embedded)
    (first,) = monitor.status().sweeps
    assert first.status == "scheduled" and first.queries == 0
    assert "first sweep is due at 2026-03-02 12:00 UTC" in (first.detail or "")
    assert relay.messages == []

    tick(worker, clock, start + timedelta(hours=2, minutes=31))  # 12:01
    sweeps = monitor.status().sweeps
    assert [(s.status, s.trigger) for s in sweeps] == [("done", "schedule"),
                                                       ("scheduled", "schedule")]
    assert sweeps[0].listed == 5 and sweeps[0].changes == {"new-listing": 5}
    # The same worker sent the notices the new cases queued; their deadlines run.
    cases = case_desk(embedded).queries.list()
    assert {case.case.state for case in cases} == {CaseState.NOTIFIED}
    assert len(relay.to(world.HARBOUR_REP)) == 3 and len(relay.to(world.RIVERBANK_REP)) == 1
    assert len(relay.messages) == 4  # no acknowledgement to ourselves, the "complainant"

    tick(worker, clock, start + timedelta(hours=2, minutes=45))  # not due again before 18:00
    assert len(monitor.status().sweeps) == 2


def test_a_schedule_that_is_not_crontab_is_a_configuration_error(embedded: Container) -> None:
    with pytest.raises(ConfigurationError, match="not a crontab"):
        blocklist_monitor(embedded).sweep_due("every six hours")


def test_a_broken_setting_is_logged_at_each_tick_not_raised(
        embedded: Container, caplog: pytest.LogCaptureFixture) -> None:
    embedded.settings.blocklist_sweep_cron = "every six hours"
    with caplog.at_level(logging.ERROR):
        scheduled_sweep(embedded)
    assert "blocklist sweeps are not running" in caplog.text and "not a crontab" in caplog.text
    assert blocklist_monitor(embedded).status().sweeps == []
