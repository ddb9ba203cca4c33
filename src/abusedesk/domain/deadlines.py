"""Deadlines: how long a customer has, when to remind, when to climb the ladder.

The terms of a case come from the clause of the policy version in force at the event's
time, overridden by the customer's agreement where it says otherwise; a clause whose
deadline is "promptly" takes the configured duration. The clock starts at notice, stops
while paused (the provider owes the next move) and restarts for each rung of the ladder.

Everything here is arithmetic on values given by the caller; nothing reads the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from abusedesk.domain.customers import ClauseTerms
from abusedesk.domain.errors import Conflict
from abusedesk.domain.policy import Action, Clause

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class DeadlineTerms:
    """The duration and ladder a case runs on, and where each came from (shown to staff)."""

    duration: timedelta | None
    ladder: tuple[Action, ...]
    duration_source: str
    ladder_source: str


def deadline_terms(clause: Clause, *, policy_label: str, promptly: timedelta,
                   override: ClauseTerms | None = None) -> DeadlineTerms:
    """The terms for a case under ``clause``: the agreement's override, else the clause.

    A deadline of "promptly" (in the clause or the agreement) takes ``promptly``.
    ``policy_label`` names the policy version the clause was read from, so the terms say
    which version bound the customer at the event's time.
    """
    duration = clause.deadline.resolve(promptly)
    duration_source = f"clause {clause.id} of {policy_label} ({clause.deadline.describe(promptly)})"
    ladder, ladder_source = clause.ladder, f"clause {clause.id} of {policy_label}"
    if override is not None:
        if override.deadline is not None:
            duration = override.deadline.resolve(promptly)
            duration_source = f"customer agreement ({override.deadline.describe(promptly)})"
        if override.ladder is not None:
            ladder, ladder_source = override.ladder, "customer agreement"
    return DeadlineTerms(duration, tuple(ladder), duration_source, ladder_source)


def describe_duration(duration: timedelta) -> str:
    """``48 hours``, ``3 days``, ``90 minutes``: the wording notices use."""
    seconds = int(duration.total_seconds())
    if seconds % 86400 == 0 and seconds >= 3 * 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


@dataclass(frozen=True, slots=True)
class CaseClock:
    """One deadline period: started at notice (or at an escalation), perhaps paused.

    ``paused_for`` sums the finished pauses of this period; while ``paused_at`` is set the
    deadline moves with the clock. ``reminders_sent`` counts this period's reminders.
    """

    started_at: datetime | None = None
    duration: timedelta | None = None
    paused_at: datetime | None = None
    paused_for: timedelta = ZERO
    reminders_sent: int = 0

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.duration is not None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def due_at(self, now: datetime | None = None) -> datetime | None:
        """When the period ends; None without a deadline. While paused, ``now`` is needed."""
        if self.started_at is None or self.duration is None:
            return None
        extra = self.paused_for
        if self.paused_at is not None:
            if now is None:
                return None  # undefined until resumed
            extra += max(now - self.paused_at, ZERO)
        return self.started_at + self.duration + extra

    def remaining(self, now: datetime) -> timedelta | None:
        due = self.due_at(now)
        return None if due is None else due - now

    def start(self, at: datetime, duration: timedelta | None) -> CaseClock:
        """A fresh period from ``at`` (notice, escalation, reopening)."""
        return CaseClock(started_at=at, duration=duration)

    def pause(self, at: datetime) -> CaseClock:
        if self.paused_at is not None:
            raise Conflict("the deadline is already paused since "
                           f"{self.paused_at:%Y-%m-%d %H:%M} UTC")
        return replace(self, paused_at=at)

    def resume(self, at: datetime) -> CaseClock:
        if self.paused_at is None:
            raise Conflict("the deadline is not paused")
        return replace(self, paused_at=None,
                       paused_for=self.paused_for + max(at - self.paused_at, ZERO))

    def stop(self) -> CaseClock:
        """No deadline any more (resolved, closed, ladder exhausted)."""
        return CaseClock()


def reminder_times(clock: CaseClock, leads: Sequence[timedelta]) -> list[datetime]:
    """When this period's reminders fall: ``due - lead`` for each lead, earliest first.

    Leads that would fall at or before the start of the period are dropped (a one-hour
    deadline gets no 24-hour reminder). Undefined while paused.
    """
    due = clock.due_at()
    if due is None or clock.started_at is None:
        return []
    times = {due - lead for lead in leads if lead > ZERO and due - lead > clock.started_at}
    return sorted(times)


def next_reminder_at(clock: CaseClock, leads: Sequence[timedelta]) -> datetime | None:
    """The next reminder still to send in this period, or None."""
    times = reminder_times(clock, leads)
    return times[clock.reminders_sent] if clock.reminders_sent < len(times) else None


class DeadlineStep(StrEnum):
    WAIT = "wait"
    REMIND = "remind"
    ESCALATE = "escalate"
    EXHAUSTED = "exhausted"  # the deadline passed on the last rung: staff must decide


@dataclass(frozen=True, slots=True)
class DeadlineDecision:
    step: DeadlineStep
    next_action: Action | None = None
    next_rung: int | None = None
    due_at: datetime | None = None


def check_deadline(clock: CaseClock, *, ladder: Sequence[Action], rung: int, now: datetime,
                   leads: Sequence[timedelta]) -> DeadlineDecision:
    """What the periodic check does for one case at ``now``.

    Paused or deadline-free cases wait. Past the deadline the case climbs to the next rung
    of its ladder (``rung`` is the index of the rung already taken; the notice is rung 0);
    past the last rung it is exhausted. Before the deadline a due reminder is sent.
    """
    due = clock.due_at()
    if clock.paused or due is None:
        return DeadlineDecision(DeadlineStep.WAIT)
    if now >= due:
        following = rung + 1
        if following < len(ladder):
            return DeadlineDecision(DeadlineStep.ESCALATE, ladder[following], following, due)
        return DeadlineDecision(DeadlineStep.EXHAUSTED, None, None, due)
    reminder = next_reminder_at(clock, leads)
    if reminder is not None and now >= reminder:
        return DeadlineDecision(DeadlineStep.REMIND, due_at=due)
    return DeadlineDecision(DeadlineStep.WAIT, due_at=due)


def next_check_at(clock: CaseClock, leads: Sequence[timedelta]) -> datetime | None:
    """The earliest moment the periodic check has anything to do for this clock.

    Stored with the case so the check reads only cases that are due, by index.
    """
    if clock.paused:
        return None
    due = clock.due_at()
    if due is None:
        return None
    reminder = next_reminder_at(clock, leads)
    return reminder if reminder is not None and reminder < due else due
