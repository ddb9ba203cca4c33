"""Clause 2a (child sexual abuse material): restricted handling from intake to notice."""

from __future__ import annotations

import json

from abusedesk.domain.cases import CaseState
from abusedesk.domain.enforcement import ActionStatus
from abusedesk.domain.policy import Action
from tests.integration.cases.conftest import Pipeline
from tests.integration.cases.relay import CapturingRelay

MARKER = "sensitive-path-7f3a"


def csam_report() -> bytes:
    return json.dumps({
        "xarf_version": "4.0.0", "report_id": "hotline-2026-0042",
        "timestamp": "2026-03-01T10:00:00Z", "category": "content", "type": "csam",
        "source_identifier": "192.0.2.50",
        "url": f"http://files.harbour.example/{MARKER}/item.jpg",
        "reporter": {"org": "Hotline", "contact": "reports@hotline.example",
                     "domain": "hotline.example"},
        "sender": {"org": "Hotline", "contact": "reports@hotline.example",
                   "domain": "hotline.example"},
        "evidence_source": "manual_analysis", "description": f"confirmed material {MARKER}",
    }).encode("utf-8")


def test_nothing_is_forwarded_and_a_suspension_waits_for_a_supervisor(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(csam_report(), xarf=True)
    pipeline.send_queued()
    (listing,) = pipeline.desk.queries.list()
    case = listing.case
    assert case.restricted and case.clause_id == "conduct.2a"
    assert case.state is CaseState.NEW and case.deadline is None
    assert relay.to("abuse-desk@harbour.example") == []  # no automatic customer notice
    assert case.attention is not None and "restricted" in case.attention
    detail = pipeline.desk.queries.detail(case.reference)
    (suspension,) = detail.actions
    assert (suspension.action, suspension.status) == (Action.SUSPEND,
                                                     ActionStatus.AWAITING_APPROVAL)
    # the reporter still gets its reference, and nothing of the report
    (ack,) = relay.to("reports@hotline.example")
    assert MARKER.encode() not in ack.data


def test_events_are_withheld_unless_revealed_and_the_reveal_is_audited(
        pipeline: Pipeline) -> None:
    pipeline.submit(csam_report(), xarf=True)
    reference = pipeline.desk.queries.list()[0].case.reference
    hidden = pipeline.desk.queries.detail(reference)
    assert hidden.content_withheld and hidden.events == ()
    shown = pipeline.desk.queries.detail(reference, reveal=True, actor="sup.sam")
    assert not shown.content_withheld and len(shown.events) == 1
    reveals = [e for e in shown.history if e.action == "case.reveal"]
    assert [e.actor for e in reveals] == ["sup.sam"]


def test_a_notice_sent_by_hand_carries_no_copy_and_no_content(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(csam_report(), xarf=True)
    reference = pipeline.desk.queries.list()[0].case.reference
    notice = pipeline.desk.notifications.notify(reference, actor="sup.sam")
    pipeline.desk.notifications.send(notice.id)
    (sent,) = relay.to("abuse-desk@harbour.example")
    assert MARKER.encode() not in sent.data
    assert b"multipart" not in sent.data and b"message/rfc822" not in sent.data
    assert b"not forwarded" in sent.data


def test_the_immediate_suspension_and_the_legal_referral_are_recorded(
        pipeline: Pipeline) -> None:
    pipeline.submit(csam_report(), xarf=True)
    reference = pipeline.desk.queries.list()[0].case.reference
    (suspension,) = pipeline.desk.queries.detail(reference).actions
    done = pipeline.desk.enforcement.approve(suspension.id, approver="sup.sam")
    assert done.status is ActionStatus.DONE
    pipeline.desk.cases.refer(reference, authority="National hotline",
                              external_reference="CT-998877", actor="sup.sam",
                              note="reported with content hashes")
    detail = pipeline.desk.queries.detail(reference)
    assert detail.case.state is CaseState.SUSPENDED
    (referral,) = detail.referrals
    assert (referral.authority, referral.reference, referral.referred_by) == (
        "National hotline", "CT-998877", "sup.sam")
    assert "case.legal-referral" in [e.action for e in detail.history]
    # the evidence is preserved: the complaint bytes are kept, by digest
    with pipeline.container.uow() as uow:
        (complaint,) = uow.complaints.list()
        assert uow.complaints.raw(complaint.sha256) == csam_report()
