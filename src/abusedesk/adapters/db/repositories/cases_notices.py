"""Outgoing notices in the database: queued, then recorded as sent, failed or suppressed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.cases import NoticeRow
from abusedesk.domain.cases_model import Notice
from abusedesk.domain.notices import NoticeKind, NoticeStatus


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=row.id, kind=NoticeKind(row.kind), status=NoticeStatus(row.status),
        case_id=row.case_id, complaint_id=row.complaint_id, recipient=row.recipient,
        subject=row.subject, message_id=row.message_id, created_at=row.created_at,
        sent_at=row.sent_at, attempts=row.attempts, error=row.error, party_id=row.party_id,
        attachment_sha256=row.attachment_sha256, requested_by=row.requested_by,
    )


class SqlNoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, dedup_key: str, kind: NoticeKind, case_id: int | None,
            complaint_id: int | None, party_id: int | None, requested_by: str,
            at: datetime) -> Notice | None:
        existing = self.session.scalar(select(NoticeRow.id).where(NoticeRow.dedup_key == dedup_key))
        if existing is not None:
            return None
        row = NoticeRow(dedup_key=dedup_key, kind=kind.value, status=NoticeStatus.QUEUED.value,
                        case_id=case_id, complaint_id=complaint_id, party_id=party_id,
                        requested_by=requested_by, created_at=at, attempts=0)
        self.session.add(row)
        self.session.flush()
        return _notice(row)

    def get(self, notice_id: int, *, for_update: bool = False) -> Notice | None:
        query = select(NoticeRow).where(NoticeRow.id == notice_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return _notice(row) if row else None

    def for_case(self, case_id: int) -> Sequence[Notice]:
        rows = self.session.scalars(select(NoticeRow).where(NoticeRow.case_id == case_id)
                                    .order_by(NoticeRow.id))
        return [_notice(row) for row in rows]

    def for_complaint(self, complaint_id: int) -> Sequence[Notice]:
        rows = self.session.scalars(select(NoticeRow).where(
            NoticeRow.complaint_id == complaint_id).order_by(NoticeRow.id))
        return [_notice(row) for row in rows]

    def record(self, notice_id: int, *, status: NoticeStatus, at: datetime,
               recipient: str | None = None, subject: str | None = None,
               message_id: str | None = None, body_text: str | None = None,
               attachment_sha256: str | None = None, error: str | None = None,
               relay_reply: str | None = None, sent: bool = False) -> Notice:
        row = self.session.get_one(NoticeRow, notice_id)
        row.status = status.value
        row.attempts += 1
        for name, value in (("recipient", recipient), ("subject", subject),
                            ("message_id", message_id), ("body_text", body_text),
                            ("attachment_sha256", attachment_sha256),
                            ("relay_reply", relay_reply)):
            if value is not None:
                setattr(row, name, value)
        row.error = error
        if sent:
            row.sent_at = at
        self.session.flush()
        return _notice(row)
