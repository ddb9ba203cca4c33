"""Queuing notices inside another use case's transaction (the outbox).

A notice is a row written with the change that calls for it and a ``notices.send`` job
enqueued in the same transaction; the job renders and sends it later. Each notice has a
dedup key, so queuing twice (a job that runs again after a crash) queues once.
"""

from __future__ import annotations

from abusedesk.domain.cases_model import Case, Notice
from abusedesk.domain.clock import Clock
from abusedesk.domain.notices import NoticeKind
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import SYSTEM_ACTOR, record

#: The job that renders and sends one queued notice; takes ``notice_id``.
SEND_TASK = "notices.send"


def notice_dedup_key(case: Case, kind: NoticeKind, *, serial: str | None = None) -> str:
    """One first notice per opening of a case; one reminder or escalation notice per
    deadline period and rung."""
    if kind is NoticeKind.NOTICE:
        return f"notice:{case.id}:{case.reopen_count}:{serial or 0}"
    started = case.clock.started_at.isoformat() if case.clock.started_at else "-"
    return f"{kind.value}:{case.id}:{case.rung}:{started}:{serial or case.clock.reminders_sent}"


def queue_case_notice(uow: UnitOfWork, clock: Clock, case: Case, kind: NoticeKind, *,
                      complaint_id: int | None, requested_by: str,
                      serial: str | None = None) -> Notice | None:
    """Queue a notice of ``kind`` to the party answering for ``case``; None if queued before.

    ``complaint_id`` is the complaint whose copy the notice carries (first notices only).
    """
    notice = uow.notices.add(
        dedup_key=notice_dedup_key(case, kind, serial=serial), kind=kind, case_id=case.id,
        complaint_id=complaint_id, party_id=case.notify_customer_id,
        requested_by=requested_by, at=clock.now())
    if notice is not None:
        uow.enqueue(SEND_TASK, {"notice_id": notice.id})
        record(uow, clock, actor=requested_by, action="notice.queue", subject_type="case",
               subject_id=case.id, data={"notice_id": notice.id, "kind": kind.value})
    return notice


def queue_acknowledgement(uow: UnitOfWork, clock: Clock, *, complaint_id: int) -> Notice | None:
    """Queue the complainant's acknowledgement of a complaint (one per complaint)."""
    notice = uow.notices.add(
        dedup_key=f"acknowledgement:{complaint_id}", kind=NoticeKind.ACKNOWLEDGEMENT,
        case_id=None, complaint_id=complaint_id, party_id=None, requested_by=SYSTEM_ACTOR,
        at=clock.now())
    if notice is not None:
        uow.enqueue(SEND_TASK, {"notice_id": notice.id})
    return notice
