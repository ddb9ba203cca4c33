"""The audit log in the database: appending under the head's lock, reading in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.audit import AuditEntryRow, AuditHeadRow
from abusedesk.domain.audit import GENESIS, AuditEntry, AuditRecord, seal

HEAD_ID = 1


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(row.seq, row.at, row.actor, row.action, row.subject_type,
                      row.subject_id, row.reason, row.data_json, row.prev_hash, row.hash)


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, record: AuditRecord) -> AuditEntry:
        """Seal and store ``record`` after the head.

        The head row (written by the migration at sequence 0) is locked (``SELECT ... FOR
        UPDATE`` on PostgreSQL; a SQLite transaction already holds the write lock) until
        this transaction ends, so concurrent writers append one after the other and the
        chain never forks.
        """
        head = self.session.scalars(
            select(AuditHeadRow).where(AuditHeadRow.id == HEAD_ID).with_for_update()).first()
        if head is None:  # the head row was deleted: start it again, verify will say so
            head = AuditHeadRow(id=HEAD_ID, seq=0, hash=GENESIS, updated_at=record.at)
            self.session.add(head)
        entry = seal(record, prev_seq=head.seq, prev_hash=head.hash)
        self.session.add(AuditEntryRow(
            seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
            subject_type=entry.subject_type, subject_id=entry.subject_id, reason=entry.reason,
            data_json=entry.data_json, prev_hash=entry.prev_hash, hash=entry.hash))
        head.seq, head.hash, head.updated_at = entry.seq, entry.hash, entry.at
        self.session.flush()
        return entry

    def entries(self, *, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry in order; detaches what it read, so use a read-only unit of work."""
        after = 0
        while True:
            rows = list(self.session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.seq > after)
                .order_by(AuditEntryRow.seq).limit(batch)))
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            after = rows[-1].seq
            self.session.expunge_all()  # keep memory flat over a long log

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        rows = self.session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.subject_type == subject_type,
                                        AuditEntryRow.subject_id == subject_id)
            .order_by(AuditEntryRow.seq))
        return [_entry(row) for row in rows]

    def head(self) -> tuple[int, str] | None:
        row = self.session.get(AuditHeadRow, HEAD_ID)
        return (row.seq, row.hash) if row else None
