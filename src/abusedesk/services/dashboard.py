"""The dashboard's figures: complaints per day, open cases by clause, deadline breaches,
time to acknowledge and to resolve, top reporters and repeat offenders.

Figures are computed from what the intake and case services list (never from their
tables), over a window of ``days`` days ending now. Listings are capped (``MAX_COMPLAINTS``,
``MAX_CASES``); the page says when a cap was reached, so a busy desk sees "at least".
Time to acknowledge is measured on the most recent ``ACK_SAMPLE`` notified cases: from the
notice to the customer's first answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any, Protocol

from abusedesk.domain.clock import Clock

MAX_COMPLAINTS = 20_000
MAX_CASES = 20_000
ACK_SAMPLE = 100
TOP = 10


class ComplaintLister(Protocol):
    def list(self, *, status: Any = None, limit: int = 50,
             before_id: int | None = None) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class Durations:
    """A distribution of durations: how many, the median and the 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, values: Sequence[timedelta]) -> Durations:
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        seconds = [v.total_seconds() for v in ordered]
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        return cls(len(ordered), timedelta(seconds=median(seconds)), p90)


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    since: datetime
    now: datetime
    days: tuple[date, ...]
    complaints_per_day: tuple[int, ...]
    breaches_per_day: tuple[int, ...]  # deadlines that passed unmet, by the day they passed
    open_by_clause: tuple[tuple[str, str, int], ...]  # clause id, title, open cases
    open_cases: int
    overdue_now: int
    time_to_acknowledge: Durations
    time_to_resolve: Durations
    top_reporters: tuple[tuple[str, int], ...]
    repeat_offenders: tuple[tuple[int, str, int], ...]  # customer id, name, cases in window
    capped: bool


class DashboardService:
    """``cases`` lists ``CaseListing`` values (case, offences, customer_name) of every state;
    ``answers`` gives a case's customer answers by reference."""

    def __init__(self, complaints: ComplaintLister,
                 cases: Callable[[int], Sequence[Any]],
                 answers: Callable[[str], Sequence[Any]], clock: Clock) -> None:
        self._complaints = complaints
        self._cases = cases
        self._answers = answers
        self._clock = clock

    def figures(self, *, days: int = 30) -> DashboardFigures:
        now = self._clock.now()
        since = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(),
                                 tzinfo=now.tzinfo)
        day_list = tuple(since.date() + timedelta(days=i) for i in range(days))
        complaints, capped_c = self._recent_complaints(since)
        listings = list(self._cases(MAX_CASES))
        capped = capped_c or len(listings) >= MAX_CASES
        per_day = Counter(record.received_at.date() for record in complaints)
        reporters = Counter((record.reporter or record.sender or "unknown").lower()
                            for record in complaints if record.duplicate_of is None)
        open_cases = [item for item in listings if not item.case.state.is_final
                      and item.case.state.value != "resolved"]
        by_clause = Counter((item.case.clause_id, item.case.clause_title) for item in open_cases)
        overdue = [item for item in open_cases if _overdue_at(item.case, now)]
        breaches = Counter(_breach_day(item.case, now) for item in listings)
        recent = [item for item in listings if item.case.opened_at >= since]
        repeat = Counter((item.case.customer_id, item.customer_name or str(item.case.customer_id))
                         for item in recent)
        return DashboardFigures(
            since=since, now=now, days=day_list,
            complaints_per_day=tuple(per_day.get(day, 0) for day in day_list),
            breaches_per_day=tuple(breaches.get(day, 0) for day in day_list),
            open_by_clause=tuple((cid, title, n) for (cid, title), n in by_clause.most_common()),
            open_cases=len(open_cases), overdue_now=len(overdue),
            time_to_acknowledge=self._acknowledge_times(listings),
            time_to_resolve=Durations.of([
                item.case.resolved_at - item.case.opened_at for item in listings
                if item.case.resolved_at is not None and item.case.resolved_at >= since]),
            top_reporters=tuple(reporters.most_common(TOP)),
            repeat_offenders=tuple((customer_id, name, n)
                                   for (customer_id, name), n in repeat.most_common(TOP) if n > 1),
            capped=capped,
        )

    def _recent_complaints(self, since: datetime) -> tuple[list[Any], bool]:
        found: list[Any] = []
        before: int | None = None
        while len(found) < MAX_COMPLAINTS:
            page = self._complaints.list(limit=1000, before_id=before)
            if not page:
                return found, False
            for record in page:
                if record.received_at < since:
                    return found, False
                found.append(record)
            before = page[-1].id
        return found, True

    def _acknowledge_times(self, listings: Sequence[Any]) -> Durations:
        notified = sorted((item.case for item in listings if item.case.notified_at is not None),
                          key=lambda case: case.notified_at, reverse=True)[:ACK_SAMPLE]
        spans = []
        for case in notified:
            answers = [a.created_at for a in self._answers(case.reference)
                       if a.created_at >= case.notified_at]
            if answers:
                spans.append(min(answers) - case.notified_at)
        return Durations.of(spans)


def _overdue_at(case: Any, now: datetime) -> bool:
    due = case.clock.due_at(now)
    return bool(case.clock.running and due is not None and due <= now)


def _breach_day(case: Any, now: datetime) -> date | None:
    """The day a case's deadline passed unmet, if it did (None otherwise)."""
    due = case.due_at
    if due is None or due > now:
        return None
    met_at = case.resolved_at or case.closed_at
    if met_at is not None and met_at <= due:
        return None
    return due.date()  # type: ignore[no-any-return]
