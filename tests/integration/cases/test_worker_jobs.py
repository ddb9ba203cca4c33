"""The case jobs as the embedded worker runs them: processing hands over to aggregation,
notices go out, and the periodic deadline job escalates (SQLite; the same task functions
run under procrastinate on PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.cases import CaseState
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.complaints import Channel, Envelope
from abusedesk.interfaces.workers.cases import DEADLINES_TASK, case_desk
from abusedesk.interfaces.workers.registry import all_tasks
from abusedesk.interfaces.workers.runner import build_embedded_worker
from abusedesk.services.intake import IntakeService
from tests.integration.cases.conftest import CUSTOMERS, arf_complaint
from tests.integration.cases.relay import CapturingRelay, split_multipart


@pytest.fixture
def embedded(sqlite_url: str, tmp_path: Path, clock: FrozenClock,
             relay: CapturingRelay) -> Iterator[Container]:
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path / "data",
                        relay_host="127.0.0.1", relay_port=relay.port,
                        mail_from="abuse@provider.example", secret_key="e" * 40)
    built = build_container(settings, clock=clock)
    prepare_database(built)
    assert built.customers.import_text(json.dumps(CUSTOMERS), fmt="json").applied
    yield built
    built.close()


def test_the_case_tasks_are_registered_for_processing_to_find() -> None:
    tasks = all_tasks()
    assert {"cases.aggregate", "notices.send", DEADLINES_TASK} <= set(tasks)
    assert tasks[DEADLINES_TASK].cron is not None


def test_a_stored_complaint_runs_through_to_the_relay_and_the_deadline_job_escalates(
        embedded: Container, relay: CapturingRelay, clock: FrozenClock) -> None:
    complaint = arf_complaint("192.0.2.10")
    intake = IntakeService(embedded.uow, clock, max_message_bytes=10**6)
    intake.accept_message(complaint, channel=Channel.SMTP, envelope=Envelope(
        mail_from="fbl-reports@mailbox.example", rcpt_tos=("abuse@provider.example",)))
    worker = build_embedded_worker(embedded)
    assert worker.run_until_idle() == 4  # process, aggregate, notice, acknowledgement
    (notice,) = relay.to("abuse-desk@harbour.example")
    assert split_multipart(notice.data)[1][1][1] == complaint

    desk = case_desk(embedded)
    (listing,) = desk.queries.list()
    assert listing.case.state is CaseState.NOTIFIED
    worker.schedule_periodic()  # learns when the deadline job is next due
    clock.advance(listing.case.deadline + timedelta(minutes=1))
    worker.schedule_periodic()  # now it is due: enqueued
    worker.run_until_idle()
    assert desk.queries.detail(listing.case.reference).case.state is CaseState.ESCALATED
    assert any(b"Deadline passed: suspend" in m.data
               for m in relay.to("abuse-desk@harbour.example"))
