"""Complaint records and their raw bytes in the database.

Database failures surface as ``StorageError`` (the caller may retry; SMTP answers 451); a
unique-index violation while adding an original surfaces as ``Conflict``, which tells the
intake that a concurrent arrival of the same complaint won the race.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.complaints import ComplaintRow, RawMessageRow
from abusedesk.domain.complaints import (
    Channel,
    ComplaintRecord,
    ComplaintStatus,
    ContentType,
    Envelope,
    NewComplaint,
)
from abusedesk.domain.errors import Conflict, StorageError


@contextmanager
def _conflict_on_integrity() -> Iterator[None]:
    """A unique index refused the row: a concurrent arrival of this complaint came first."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict("a concurrent arrival stored this complaint first") from error


@contextmanager
def storage_errors(doing: str) -> Iterator[None]:
    """Turn database failures into ``StorageError`` naming what was being done."""
    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        raise StorageError(f"the database failed while {doing}: {cause}") from error


# The statements of the intake's hot path, built once: the core table (not the ORM class)
# keeps SQLAlchemy's per-call work small, which is most of the cost of a stored complaint.
_COMPLAINTS = cast(Table, ComplaintRow.__table__)
_RAW = cast(Table, RawMessageRow.__table__)
_ORIGINAL_BY_DIGEST = (
    select(_COMPLAINTS.c.id, _COMPLAINTS.c.duplicate_of_id)
    .where(_COMPLAINTS.c.sha256 == bindparam("sha256"))
    .order_by(_COMPLAINTS.c.id).limit(1)
)
_ORIGINAL_BY_DIGEST_OR_KEY = (
    select(_COMPLAINTS.c.id, _COMPLAINTS.c.duplicate_of_id)
    .where(or_(_COMPLAINTS.c.sha256 == bindparam("sha256"),
               _COMPLAINTS.c.dedup_key == bindparam("dedup_key")))
    .order_by(_COMPLAINTS.c.id).limit(1)
)
_INSERT_COMPLAINT = insert(_COMPLAINTS).returning(_COMPLAINTS.c.id)
_INSERT_RAW = {
    "postgresql": postgresql_insert(_RAW).on_conflict_do_nothing(index_elements=["sha256"]),
    "sqlite": sqlite_insert(_RAW).on_conflict_do_nothing(index_elements=["sha256"]),
}


def to_record(row: ComplaintRow) -> ComplaintRecord:
    return ComplaintRecord(
        id=row.id,
        sha256=row.sha256,
        size=row.size,
        channel=Channel(row.channel),
        content_type=ContentType(row.content_type),
        received_at=row.received_at,
        envelope=Envelope(
            mail_from=row.envelope_from,
            rcpt_tos=tuple(row.envelope_to or ()),
            peer=row.peer,
            helo=row.helo,
        ),
        source=row.source,
        message_id=row.message_id,
        sender=row.sender,
        subject=row.subject,
        status=ComplaintStatus(row.status),
        duplicate_of=row.duplicate_of_id,
        reason=row.reason,
        format=row.format,
        reporter=row.reporter,
        event_count=row.event_count,
        processed_at=row.processed_at,
        warnings=tuple(row.warnings or ()),
    )


class SqlComplaintRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def original_id(self, sha256: str, dedup_key: str | None) -> int | None:
        statement = _ORIGINAL_BY_DIGEST if dedup_key is None else _ORIGINAL_BY_DIGEST_OR_KEY
        with storage_errors("looking for an earlier copy"):
            row = self.session.execute(statement, {"sha256": sha256, "dedup_key": dedup_key}
                                       ).first()
        if row is None:
            return None
        return int(row.duplicate_of_id if row.duplicate_of_id is not None else row.id)

    def find_arrival(self, sha256: str, source: str) -> ComplaintRecord | None:
        with storage_errors("looking for an earlier arrival"):
            row = self.session.scalars(
                select(ComplaintRow)
                .where(ComplaintRow.sha256 == sha256, ComplaintRow.source == source)
                .order_by(ComplaintRow.id).limit(1)
            ).first()
        return None if row is None else to_record(row)

    def store_raw(self, sha256: str, data: bytes, *, stored_at: datetime) -> None:
        # One statement, whatever is stored already: the bytes under a digest never change.
        statement = _INSERT_RAW[self.session.get_bind().dialect.name]
        with storage_errors("storing the complaint's bytes"), _conflict_on_integrity():
            self.session.execute(statement, {"sha256": sha256, "size": len(data), "data": data,
                                             "stored_at": stored_at})

    def add(self, complaint: NewComplaint) -> ComplaintRecord:
        arrival, facts, envelope = complaint.arrival, complaint.facts, complaint.arrival.envelope
        values = {
            "sha256": complaint.sha256,
            "size": complaint.size,
            "channel": arrival.channel.value,
            "content_type": arrival.content_type.value,
            "received_at": arrival.received_at,
            "envelope_from": cut(envelope.mail_from, 512),
            "envelope_to": [cut(rcpt, 512) for rcpt in envelope.rcpt_tos],
            "peer": cut(envelope.peer, 100),
            "helo": cut(envelope.helo, 255),
            "source": arrival.source,
            "message_id": facts.message_id,
            "sender": facts.sender,
            "subject": facts.subject,
            "dedup_key": facts.dedup_key,
            "status": complaint.status.value,
            "duplicate_of_id": complaint.duplicate_of,
            "event_count": 0,
            "warnings": [],
        }
        with storage_errors("recording the complaint"), _conflict_on_integrity():
            complaint_id = self.session.execute(_INSERT_COMPLAINT, values).scalar_one()
        return ComplaintRecord(
            id=complaint_id, sha256=complaint.sha256, size=complaint.size,
            channel=arrival.channel, content_type=arrival.content_type,
            received_at=arrival.received_at, envelope=envelope, source=arrival.source,
            message_id=facts.message_id, sender=facts.sender, subject=facts.subject,
            status=complaint.status, duplicate_of=complaint.duplicate_of,
        )

    def get(self, complaint_id: int, *, for_update: bool = False) -> ComplaintRecord | None:
        query = select(ComplaintRow).where(ComplaintRow.id == complaint_id)
        if for_update:
            query = query.with_for_update()
        with storage_errors("reading a complaint"):
            row = self.session.scalars(query).first()
        return None if row is None else to_record(row)

    def raw(self, sha256: str) -> bytes | None:
        with storage_errors("reading the complaint's bytes"):
            return self.session.scalar(
                select(RawMessageRow.data).where(RawMessageRow.sha256 == sha256))

    def list(self, *, status: ComplaintStatus | None = None, limit: int = 50,
             before_id: int | None = None) -> Sequence[ComplaintRecord]:
        query = select(ComplaintRow).order_by(ComplaintRow.id.desc()).limit(limit)
        if status is not None:
            query = query.where(ComplaintRow.status == status.value)
        if before_id is not None:
            query = query.where(ComplaintRow.id < before_id)
        with storage_errors("listing complaints"):
            return [to_record(row) for row in self.session.scalars(query)]

    def ids_with_status(self, status: ComplaintStatus) -> Sequence[int]:
        with storage_errors("listing complaints"):
            return list(self.session.scalars(
                select(ComplaintRow.id).where(ComplaintRow.status == status.value)
                .order_by(ComplaintRow.id)))

    def reset_to_received(self, complaint_ids: Sequence[int]) -> None:
        with storage_errors("marking complaints for replay"):
            self.session.execute(
                update(ComplaintRow)
                .where(ComplaintRow.id.in_(list(complaint_ids)))
                .values(status=ComplaintStatus.RECEIVED.value))

    def record_outcome(self, complaint_id: int, *, status: ComplaintStatus,
                       processed_at: datetime, reason: str | None = None,
                       format: str | None = None, reporter: str | None = None,
                       event_count: int = 0, warnings: Sequence[str] = ()) -> None:
        with storage_errors("recording the processing outcome"):
            self.session.execute(
                update(ComplaintRow).where(ComplaintRow.id == complaint_id).values(
                    status=status.value, processed_at=processed_at, reason=reason,
                    format=cut(format, 50), reporter=cut(reporter, 320),
                    event_count=event_count, warnings=list(warnings)[:100],
                ))


def cut(value: str | None, length: int) -> str | None:
    """``value`` cut to the length of its column (None stays None)."""
    return value[:length] if value is not None else None
