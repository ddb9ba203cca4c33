"""The audit log in the database: every case change recorded, tampering detected."""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select, update

from abusedesk.adapters.db.tables.audit import AuditEntryRow, AuditHeadRow
from abusedesk.domain.audit import AuditRecord, ProblemKind
from abusedesk.domain.cases import CaseState
from tests.integration.cases.conftest import Pipeline, arf_complaint


def _worked_case(pipeline: Pipeline) -> str:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    reference = pipeline.desk.queries.list()[0].case.reference
    pipeline.desk.cases.transition(reference, CaseState.RESOLVED, actor="ann",
                                   reason="customer fixed it")
    pipeline.desk.cases.transition(reference, CaseState.CLOSED, actor="bob", reason="verified")
    return reference


def test_every_transition_is_recorded_with_actor_time_and_reason(pipeline: Pipeline) -> None:
    reference = _worked_case(pipeline)
    history = pipeline.desk.queries.detail(reference).history
    moves = [(e.actor, e.data["from"], e.data["to"], e.reason) for e in history
             if e.action == "case.transition"]
    assert moves == [
        ("system", "new", "notified", "notice sent to abuse-desk@harbour.example"),
        ("ann", "notified", "resolved", "customer fixed it"),
        ("bob", "resolved", "closed", "verified"),
    ]
    assert all(e.at == pipeline.container.clock.now() for e in history)
    assert pipeline.desk.audit.verify().ok


def test_an_edited_row_is_detected(pipeline: Pipeline) -> None:
    _worked_case(pipeline)
    with pipeline.container.sessions.begin() as session:
        seq = session.scalar(select(AuditEntryRow.seq).where(AuditEntryRow.actor == "bob"))
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == seq)
                        .values(reason="closed without checking"))
    result = pipeline.desk.audit.verify()
    assert [(p.kind, p.seq) for p in result.problems] == [(ProblemKind.EDITED, seq)]


def test_a_deleted_row_is_detected(pipeline: Pipeline) -> None:
    _worked_case(pipeline)
    with pipeline.container.sessions.begin() as session:
        seq = session.scalar(select(AuditEntryRow.seq).where(AuditEntryRow.actor == "ann"))
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == seq))
    kinds = {p.kind for p in pipeline.desk.audit.verify().problems}
    assert kinds == {ProblemKind.MISSING, ProblemKind.RELINKED}


def test_cutting_the_end_is_detected_by_the_head_and_by_a_published_head(
        pipeline: Pipeline) -> None:
    _worked_case(pipeline)
    seq, digest = pipeline.desk.audit.head()
    with pipeline.container.sessions.begin() as session:
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == seq))
    assert [p.kind for p in pipeline.desk.audit.verify().problems] == [ProblemKind.HEAD]
    with pipeline.container.sessions.begin() as session:  # the intruder fixes the head too
        last = session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq.desc())).first()
        session.execute(update(AuditHeadRow).values(seq=last.seq, hash=last.hash))
    assert pipeline.desk.audit.verify().ok
    published = pipeline.desk.audit.verify(expected_head=f"{seq}:{digest}")
    assert [p.kind for p in published.problems] == [ProblemKind.HEAD]


def test_concurrent_writers_keep_one_chain(pipeline: Pipeline) -> None:
    container = pipeline.container
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(15):
                with container.uow() as uow:
                    uow.audit.append(AuditRecord(container.clock.now(), name, "test.write",
                                                 "test", str(n)))
                    uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(f"writer-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = pipeline.desk.audit.verify()
    assert result.ok and result.entries == 60
    with container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntryRow)) == 60
