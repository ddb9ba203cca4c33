"""Fixtures of the intake tests: the intake and record services on the test container, and
a look into the job queue of either engine."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from abusedesk.adapters.db.tables.jobs import EmbeddedJobRow
from abusedesk.bootstrap import Container
from abusedesk.services.intake import IntakeService
from abusedesk.services.intake_records import ComplaintRecords

#: For tests of what only embedded mode does (jobs run in the process): SQLite alone.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def intake(container: Container) -> IntakeService:
    return container.intake


@pytest.fixture
def records(container: Container) -> ComplaintRecords:
    return ComplaintRecords(container.uow)


def queued_jobs(container: Container, task_name: str) -> list[dict[str, Any]]:
    """Arguments of the jobs of ``task_name`` waiting in the queue, oldest first."""
    with container.sessions() as session:
        if container.settings.is_embedded:
            rows = session.scalars(select(EmbeddedJobRow).where(
                EmbeddedJobRow.task_name == task_name).order_by(EmbeddedJobRow.id))
            return [dict(row.args) for row in rows]
        result = session.execute(text(
            "SELECT args FROM procrastinate_jobs WHERE task_name = :name "
            "AND status = 'todo' ORDER BY id"), {"name": task_name})
        return [dict(row[0]) for row in result]
