"""Dashboard figures from listed complaints and cases (no database: the lists are given)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from abusedesk.domain.cases import CaseState
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.deadlines import CaseClock
from abusedesk.services.dashboard import DashboardService, Durations

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Record:
    id: int
    received_at: datetime
    reporter: str | None
    sender: str | None = None
    duplicate_of: int | None = None


@dataclass
class FakeCase:
    reference: str
    state: CaseState
    clause_id: str
    clause_title: str
    customer_id: int
    opened_at: datetime
    clock: CaseClock = field(default_factory=CaseClock)
    notified_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def due_at(self) -> datetime | None:
        return self.clock.due_at()


@dataclass
class Listing:
    case: FakeCase
    offences: int
    customer_name: str


@dataclass
class Answer:
    created_at: datetime


class Complaints:
    def __init__(self, records: list[Record]) -> None:
        self.records = sorted(records, key=lambda r: r.id, reverse=True)

    def list(self, *, status: Any = None, limit: int = 50,
             before_id: int | None = None) -> list[Record]:
        newer = [r for r in self.records if before_id is None or r.id < before_id]
        return newer[:limit]


def test_the_figures_count_what_the_lists_hold() -> None:
    day = timedelta(days=1)
    records = [Record(1, NOW - 40 * day, "old@example.org"),  # outside the window
               Record(2, NOW - 2 * day, "fbl@mailbox.example"),
               Record(3, NOW - 2 * day, "fbl@mailbox.example"),
               Record(4, NOW - day, None, sender="Hotline@Example.org"),
               Record(5, NOW, "fbl@mailbox.example", duplicate_of=3)]
    overdue = FakeCase("AD-1", CaseState.NOTIFIED, "conduct.5a", "Spam", 1, NOW - 5 * day,
                       clock=CaseClock(started_at=NOW - 4 * day, duration=timedelta(hours=48)),
                       notified_at=NOW - 4 * day)
    on_time = FakeCase("AD-2", CaseState.NOTIFIED, "conduct.5a", "Spam", 1, NOW - day,
                       clock=CaseClock(started_at=NOW - day, duration=timedelta(hours=48)),
                       notified_at=NOW - day)
    resolved = FakeCase("AD-3", CaseState.RESOLVED, "conduct.3e", "Blocklisting", 2,
                        NOW - 3 * day, notified_at=NOW - 3 * day,
                        resolved_at=NOW - 3 * day + timedelta(hours=6))
    listings = [Listing(c, 2, name) for c, name in
                ((overdue, "Northwind"), (on_time, "Northwind"), (resolved, "Blue Lantern"))]
    answers = {"AD-1": [], "AD-2": [Answer(NOW - day + timedelta(hours=2))],
               "AD-3": [Answer(NOW - 3 * day + timedelta(hours=1))]}
    service = DashboardService(Complaints(records), lambda limit: listings,
                               lambda ref: answers[ref], FrozenClock(NOW))
    figures = service.figures(days=30)
    assert sum(figures.complaints_per_day) == 4 and figures.complaints_per_day[-1] == 1
    assert figures.complaints_per_day[-3] == 2
    assert figures.open_cases == 2 and figures.overdue_now == 1
    assert figures.open_by_clause == (("conduct.5a", "Spam", 2),)
    assert sum(figures.breaches_per_day) == 1
    assert figures.breaches_per_day[figures.days.index((NOW - 2 * day).date())] == 1
    assert figures.time_to_acknowledge == Durations(2, timedelta(hours=1.5), timedelta(hours=2))
    assert figures.time_to_resolve.count == 1
    assert figures.time_to_resolve.median == timedelta(hours=6)
    assert figures.top_reporters[0] == ("fbl@mailbox.example", 2)  # the duplicate not counted
    assert ("hotline@example.org", 1) in figures.top_reporters
    northwind = listings[0].case.customer_id
    assert figures.repeat_offenders == ((northwind, "Northwind", 2),)
    assert not figures.capped
