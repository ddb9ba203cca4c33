"""Deadline terms, the case clock with pauses, reminders and the ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.domain.customers import ClauseTerms
from abusedesk.domain.deadlines import (
    CaseClock,
    DeadlineStep,
    check_deadline,
    deadline_terms,
    describe_duration,
    next_check_at,
    reminder_times,
)
from abusedesk.domain.errors import Conflict
from abusedesk.domain.policy import Action, Deadline, DeadlineKind
from abusedesk.policies.loader import load_builtin_policy

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
H = timedelta(hours=1)
PROMPTLY = timedelta(hours=72)
POLICY = load_builtin_policy()


def test_blacklisting_gets_the_48_hours_of_clause_3e() -> None:
    terms = deadline_terms(POLICY.clause("conduct.3e"), policy_label="reference-aup:2.1",
                           promptly=PROMPTLY)
    assert terms.duration == 48 * H
    assert terms.ladder == (Action.WARN, Action.SUSPEND, Action.TERMINATE)
    assert "conduct.3e of reference-aup:2.1" in terms.duration_source


def test_promptly_comes_from_the_setting() -> None:
    terms = deadline_terms(POLICY.clause("conduct.5a"), policy_label="p", promptly=5 * H)
    assert terms.duration == 5 * H and "promptly" in terms.duration_source


def test_restricted_clause_has_no_customer_deadline_and_starts_with_suspension() -> None:
    terms = deadline_terms(POLICY.clause("conduct.2a"), policy_label="p", promptly=PROMPTLY)
    assert terms.duration is None
    assert terms.ladder[0] is Action.SUSPEND


def test_the_agreement_overrides_deadline_and_ladder_separately() -> None:
    clause = POLICY.clause("conduct.3c")
    shorter = deadline_terms(clause, policy_label="p", promptly=PROMPTLY, override=ClauseTerms(
        "conduct.3c", deadline=Deadline(DeadlineKind.FIXED, 24 * H)))
    assert shorter.duration == 24 * H and shorter.ladder == clause.ladder
    assert shorter.duration_source.startswith("customer agreement")
    ladder_only = deadline_terms(clause, policy_label="p", promptly=PROMPTLY, override=ClauseTerms(
        "conduct.3c", ladder=(Action.WARN, Action.BLOCK_HOST)))
    assert ladder_only.duration == PROMPTLY
    assert ladder_only.ladder == (Action.WARN, Action.BLOCK_HOST)
    none = deadline_terms(clause, policy_label="p", promptly=PROMPTLY, override=ClauseTerms(
        "conduct.3c", deadline=Deadline(DeadlineKind.NONE)))
    assert none.duration is None


def test_pause_and_resume_move_the_deadline_by_the_pause() -> None:
    clock = CaseClock().start(T0, 48 * H)
    assert clock.due_at() == T0 + 48 * H
    paused = clock.pause(T0 + 10 * H)
    assert paused.due_at() is None  # undefined while paused
    assert paused.due_at(T0 + 13 * H) == T0 + 51 * H  # it moves with the clock
    resumed = paused.resume(T0 + 13 * H)
    assert resumed.due_at() == T0 + 51 * H
    twice = resumed.pause(T0 + 20 * H).resume(T0 + 22 * H)
    assert twice.due_at() == T0 + 53 * H
    assert twice.remaining(T0 + 50 * H) == 3 * H


def test_pausing_twice_or_resuming_a_running_clock_is_refused() -> None:
    clock = CaseClock().start(T0, 48 * H).pause(T0)
    with pytest.raises(Conflict, match="already paused"):
        clock.pause(T0 + H)
    with pytest.raises(Conflict, match="not paused"):
        CaseClock().start(T0, H).resume(T0)


def test_reminders_fall_lead_before_the_deadline_and_never_before_the_start() -> None:
    clock = CaseClock().start(T0, 48 * H)
    assert reminder_times(clock, [24 * H, 2 * H, 72 * H]) == [T0 + 24 * H, T0 + 46 * H]
    assert reminder_times(CaseClock().start(T0, H), [24 * H]) == []


def test_check_walks_reminder_then_escalation_up_the_ladder() -> None:
    ladder = (Action.WARN, Action.SUSPEND, Action.TERMINATE)
    clock = CaseClock().start(T0, 48 * H)
    leads = [24 * H]
    assert check_deadline(clock, ladder=ladder, rung=0, now=T0 + 23 * H,
                          leads=leads).step is DeadlineStep.WAIT
    assert check_deadline(clock, ladder=ladder, rung=0, now=T0 + 24 * H,
                          leads=leads).step is DeadlineStep.REMIND
    reminded = CaseClock(clock.started_at, clock.duration, reminders_sent=1)
    assert check_deadline(reminded, ladder=ladder, rung=0, now=T0 + 30 * H,
                          leads=leads).step is DeadlineStep.WAIT
    due = check_deadline(reminded, ladder=ladder, rung=0, now=T0 + 48 * H, leads=leads)
    assert (due.step, due.next_action, due.next_rung) == (DeadlineStep.ESCALATE,
                                                          Action.SUSPEND, 1)
    last = check_deadline(reminded, ladder=ladder, rung=2, now=T0 + 60 * H, leads=leads)
    assert last.step is DeadlineStep.EXHAUSTED


def test_a_paused_or_deadline_free_case_waits() -> None:
    ladder = (Action.WARN, Action.SUSPEND)
    paused = CaseClock().start(T0, H).pause(T0)
    assert check_deadline(paused, ladder=ladder, rung=0, now=T0 + 100 * H,
                          leads=[]).step is DeadlineStep.WAIT
    assert check_deadline(CaseClock().start(T0, None), ladder=ladder, rung=0,
                          now=T0 + 100 * H, leads=[]).step is DeadlineStep.WAIT


def test_next_check_is_the_next_reminder_or_the_deadline() -> None:
    clock = CaseClock().start(T0, 48 * H)
    assert next_check_at(clock, [24 * H]) == T0 + 24 * H
    assert next_check_at(CaseClock(T0, 48 * H, reminders_sent=1), [24 * H]) == T0 + 48 * H
    assert next_check_at(clock.pause(T0), [24 * H]) is None
    assert next_check_at(CaseClock(), [24 * H]) is None


@pytest.mark.parametrize(("duration", "text"), [
    (48 * H, "48 hours"), (H, "1 hour"), (timedelta(days=3), "3 days"),
    (timedelta(minutes=90), "90 minutes"), (timedelta(seconds=5), "5 seconds")])
def test_durations_read_as_people_write_them(duration: timedelta, text: str) -> None:
    assert describe_duration(duration) == text
