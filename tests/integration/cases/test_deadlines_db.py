"""The periodic deadline check: reminders, escalation along the ladder, pauses."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest

from abusedesk.domain.cases import CaseState
from abusedesk.domain.enforcement import ActionStatus
from abusedesk.domain.errors import Conflict
from abusedesk.domain.policy import Action
from tests.integration.cases.conftest import Pipeline, arf_complaint, xarf_report
from tests.integration.cases.relay import CapturingRelay

H = timedelta(hours=1)


def _notified_case(pipeline: Pipeline, raw: bytes, *, xarf: bool = False):
    pipeline.submit(raw, xarf=xarf)
    pipeline.send_queued()
    (listing,) = pipeline.desk.queries.list()
    assert listing.case.state is CaseState.NOTIFIED
    return listing.case


def test_a_listing_gets_48_hours_a_reminder_and_then_escalates(
        pipeline: Pipeline, relay: CapturingRelay, clock) -> None:
    case = _notified_case(pipeline, xarf_report("reputation", "blocklist", "192.0.2.33",
                                                date="2026-03-01T06:00:00Z"), xarf=True)
    assert case.clause_id == "conduct.3e" and case.deadline == 48 * H
    assert case.clock.due_at() == case.notified_at + 48 * H
    notice = relay.to("abuse-desk@harbour.example")[0]
    assert b"Blacklisting of 192.0.2.33: remedy within 48 hours" in notice.data

    clock.advance(23 * H)
    assert pipeline.desk.deadlines.check().checked == 0  # nothing due: read by index
    clock.advance(H)
    assert pipeline.desk.deadlines.check().reminded == [case.reference]
    assert pipeline.desk.deadlines.check().reminded == []  # one reminder per lead
    pipeline.send_queued()
    reminder = relay.to("abuse-desk@harbour.example")[-1]
    assert b"Reminder" in reminder.data

    clock.advance(24 * H)
    report = pipeline.desk.deadlines.check()
    assert report.escalated == [case.reference]
    detail = pipeline.desk.queries.detail(case.reference)
    assert detail.case.state is CaseState.ESCALATED and detail.case.rung == 1
    (suspension,) = detail.actions
    assert (suspension.action, suspension.status, suspension.requested_by) == (
        Action.SUSPEND, ActionStatus.APPROVED, "system")
    assert detail.case.clock.due_at() == clock.now() + 48 * H  # the next rung's period
    pipeline.send_queued()
    escalation = email.message_from_bytes(relay.to("abuse-desk@harbour.example")[-1].data,
                                          policy=policy.default)
    assert "Deadline passed: suspend" in escalation["Subject"]
    history = [entry.action for entry in detail.history]
    assert history.count("case.remind") == 1 and "enforcement.request" in history

    clock.advance(48 * H)
    assert pipeline.desk.deadlines.check().escalated == [case.reference]
    detail = pipeline.desk.queries.detail(case.reference)
    terminate = [a for a in detail.actions if a.action is Action.TERMINATE]
    assert [a.status for a in terminate] == [ActionStatus.AWAITING_APPROVAL]
    clock.advance(48 * H)
    assert pipeline.desk.deadlines.check().exhausted == [case.reference]
    assert "last rung" in (pipeline.desk.queries.detail(case.reference).case.attention or "")


def test_a_customer_answer_stops_the_escalation(pipeline: Pipeline, clock) -> None:
    case = _notified_case(pipeline, arf_complaint("192.0.2.10"))
    link = pipeline.desk.responses.link(case.reference)
    grant = pipeline.desk.responses.verify(link.token)
    pipeline.desk.responses.report_remedy(grant, author="Ann Harbour",
                                          text="The compromised mailer is gone.")
    clock.advance(100 * H)
    assert pipeline.desk.deadlines.check().escalated == []
    assert pipeline.desk.queries.detail(case.reference).case.state is CaseState.RESOLVED


def test_pausing_moves_the_deadline_by_the_pause(pipeline: Pipeline, clock) -> None:
    case = _notified_case(pipeline, arf_complaint("192.0.2.10"))
    due = case.clock.due_at()
    clock.advance(10 * H)
    pipeline.desk.cases.pause(case.reference, actor="ann", reason="waiting for our network team")
    with pytest.raises(Conflict, match="already paused"):
        pipeline.desk.cases.pause(case.reference, actor="ann", reason="again")
    clock.advance(100 * H)
    assert pipeline.desk.deadlines.check().checked == 0
    resumed = pipeline.desk.cases.resume(case.reference, actor="ann", reason="answer arrived")
    assert resumed.clock.due_at() == due + 100 * H
    clock.advance(resumed.clock.due_at() - clock.now())
    assert pipeline.desk.deadlines.check().escalated == [case.reference]


def test_illegal_moves_are_refused_and_change_nothing(pipeline: Pipeline) -> None:
    case = _notified_case(pipeline, arf_complaint("192.0.2.10"))
    with pytest.raises(Conflict, match="cannot move from notified to closed"):
        pipeline.desk.cases.transition(case.reference, CaseState.CLOSED, actor="ann",
                                       reason="tidy")
    with pytest.raises(Conflict, match="enforcement action"):
        pipeline.desk.cases.transition(case.reference, CaseState.TERMINATED, actor="ann",
                                       reason="skip the approval")
    detail = pipeline.desk.queries.detail(case.reference)
    assert detail.case.state is CaseState.NOTIFIED
    assert [e.action for e in detail.history].count("case.transition") == 1
