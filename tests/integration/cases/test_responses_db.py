"""The customer's answer through the signed link: acknowledge, report a remedy with evidence."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_links import ExpiredLink, InvalidLink
from abusedesk.domain.cases_model import EvidenceFile, ResponseKind
from abusedesk.domain.errors import Conflict, InputLimitExceeded, InvalidInput
from tests.integration.cases.conftest import Pipeline, arf_complaint
from tests.integration.cases.relay import CapturingRelay


def _link_from_notice(relay: CapturingRelay) -> str:
    import email
    from email import policy

    (notice,) = relay.to("abuse-desk@harbour.example")
    text = email.message_from_bytes(notice.data, policy=policy.default) \
        .get_body(("plain",)).get_content()
    url = next(line.strip() for line in text.splitlines() if "/respond/" in line)
    return url.rsplit("/respond/", 1)[1]


def test_the_link_in_the_notice_lets_the_representative_answer(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    token = _link_from_notice(relay)
    responses = pipeline.desk.responses
    grant = responses.verify(token)

    case = responses.acknowledge(grant, author="Ann Harbour", text="Looking into it")
    assert case.state is CaseState.ACKNOWLEDGED and case.clock.running

    log = b"Mar  2 10:01 postfix: removed compromised account widgets@harbour.example\n"
    case = responses.report_remedy(grant, author="Ann Harbour",
                                   text="Compromised account disabled; password reset.",
                                   evidence=[EvidenceFile("../../etc/passwd", "text/plain", log)])
    assert case.state is CaseState.RESOLVED and not case.clock.running

    view = responses.view(grant)
    assert [r.kind for r in view.responses] == [ResponseKind.ACKNOWLEDGE, ResponseKind.REMEDY]
    ((filename, content_type, size, digest),) = view.responses[1].evidence
    assert "/" not in filename and size == len(log)
    assert digest == hashlib.sha256(log).hexdigest()
    with pipeline.container.uow() as uow:
        stored = uow.cases.evidence_data(case.id, digest)
    assert stored is not None and stored[2] == log
    history = pipeline.desk.queries.detail(case.reference).history
    actors = {entry.actor for entry in history if entry.action == "case.remedy"}
    assert actors == {"customer:1:Ann Harbour"}


def test_a_closed_case_takes_no_answers(
        pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    grant = pipeline.desk.responses.verify(_link_from_notice(relay))
    pipeline.desk.responses.report_remedy(grant, author="Ann", text="fixed")
    reference = grant.reference
    pipeline.desk.cases.transition(reference, CaseState.CLOSED, actor="bob", reason="verified")
    with pytest.raises(Conflict, match="takes no answers"):
        pipeline.desk.responses.acknowledge(grant, author="Ann")


def test_expired_altered_and_foreign_links_are_refused(pipeline: Pipeline, clock,
                                                      relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.submit(arf_complaint("203.0.113.9", message_id="p@isp.example"))
    pipeline.send_queued()
    token = _link_from_notice(relay)
    with pytest.raises(InvalidLink):
        pipeline.desk.responses.verify(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    partner_case = next(item.case for item in pipeline.desk.queries.list()
                        if item.case.offender == "203.0.113.9")
    with pytest.raises(InvalidLink, match="not one of your cases"):
        pipeline.desk.responses.grant_for_party(partner_case.reference, party_id=1)
    assert pipeline.desk.responses.grant_for_party(
        partner_case.reference, party_id=partner_case.notify_customer_id).case_id == partner_case.id
    clock.advance(timedelta(days=31))
    with pytest.raises(ExpiredLink):
        pipeline.desk.responses.verify(token)


def test_answers_are_bounded(pipeline: Pipeline, relay: CapturingRelay) -> None:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    grant = pipeline.desk.responses.verify(_link_from_notice(relay))
    with pytest.raises(InvalidInput, match="describe the remedy"):
        pipeline.desk.responses.report_remedy(grant, author="Ann", text="  ")
    with pytest.raises(InputLimitExceeded):
        pipeline.desk.responses.report_remedy(grant, author="Ann", text="x" * 20_001)
    big = EvidenceFile("dump.bin", "application/octet-stream", b"\0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(InputLimitExceeded):
        pipeline.desk.responses.report_remedy(grant, author="Ann", text="see dump",
                                              evidence=[big])
    assert pipeline.desk.queries.detail(grant.reference).responses == []
