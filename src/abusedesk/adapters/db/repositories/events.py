"""Events of processed complaints in the database; replaced as a whole per complaint."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from abusedesk.adapters.db.repositories import in_chunks
from abusedesk.adapters.db.repositories.complaints import cut, storage_errors
from abusedesk.adapters.db.tables.events import EventRow
from abusedesk.domain.complaints_events import ResolvedEvent, StoredEvent

#: Rows per INSERT statement; large reports (Shadowserver) carry tens of thousands.
_BATCH = 1000
_EVENTS = cast(Table, EventRow.__table__)
_UPDATE_EVENT = (
    update(_EVENTS)
    .where(_EVENTS.c.complaint_id == bindparam("match_complaint_id"),
           _EVENTS.c.sequence == bindparam("match_sequence"))
)


def _row_values(complaint_id: int, resolved: ResolvedEvent,
                created_at: datetime) -> dict[str, object]:
    event, resolution = resolved.event, resolved.resolution
    return {
        "complaint_id": complaint_id,
        "sequence": resolved.sequence,
        "category": event.category,
        "type": event.type,
        "rsit_type": event.rsit_type,
        "event_time": resolved.at,
        "time_source": resolved.time_source.value,
        "time_field": cut(event.time_field, 100),
        "offender": cut(resolved.offender, 320),
        "ip": str(event.ip) if event.ip is not None else None,
        "port": event.port,
        "url": event.url,
        "domain": cut(event.domain, 255),
        "email": cut(event.email, 320),
        "reporter": cut(event.reporter, 320),
        "report_id": cut(event.report_id, 300),
        "evidence": event.evidence,
        "details": dict(event.details),
        "clause_ids": list(resolved.clause_ids),
        "policy_version_id": resolved.policy_version_id,
        "classification_note": resolved.classification_note,
        "customer_id": resolution.customer_id if resolution else None,
        "asset_id": resolution.asset_id if resolution else None,
        "notify_customer_id": resolution.notify_customer_id if resolution else None,
        "resolution_matched": cut(resolution.matched, 300) if resolution else None,
        "not_ours_reason": resolved.not_ours_reason,
        "created_at": created_at,
    }


def _to_stored(row: EventRow) -> StoredEvent:
    return StoredEvent(
        id=row.id, complaint_id=row.complaint_id, sequence=row.sequence,
        category=row.category, type=row.type, rsit_type=row.rsit_type,
        event_time=row.event_time, time_source=row.time_source, offender=row.offender,
        ip=row.ip, port=row.port, url=row.url, domain=row.domain, email=row.email,
        clause_ids=tuple(row.clause_ids or ()), policy_version_id=row.policy_version_id,
        classification_note=row.classification_note, customer_id=row.customer_id,
        asset_id=row.asset_id, notify_customer_id=row.notify_customer_id,
        not_ours_reason=row.not_ours_reason, reporter=row.reporter, evidence=row.evidence,
    )


class SqlEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_for_complaint(self, complaint_id: int, events: Sequence[ResolvedEvent], *,
                              created_at: datetime) -> None:
        """Rows are matched by sequence and rewritten in place, so an event keeps its id when
        a replay reads it again (cases refer to it); rows past the new count are removed."""
        with storage_errors("storing the complaint's events"):
            existing = set(self.session.scalars(
                select(EventRow.sequence).where(EventRow.complaint_id == complaint_id)))
            rows = [_row_values(complaint_id, event, created_at) for event in events]
            updates = [{**row, "match_complaint_id": complaint_id,
                        "match_sequence": row["sequence"]}
                       for row in rows if row["sequence"] in existing]
            inserts = [row for row in rows if row["sequence"] not in existing]
            for start in range(0, len(updates), _BATCH):
                self.session.execute(_UPDATE_EVENT, updates[start:start + _BATCH])
            for start in range(0, len(inserts), _BATCH):
                self.session.execute(insert(_EVENTS), inserts[start:start + _BATCH])
            self.session.execute(delete(_EVENTS).where(
                _EVENTS.c.complaint_id == complaint_id, _EVENTS.c.sequence >= len(rows)))

    def for_complaints(self, complaint_ids: Collection[int]) -> dict[int, list[StoredEvent]]:
        found: dict[int, list[StoredEvent]] = {complaint_id: [] for complaint_id in complaint_ids}
        with storage_errors("reading the complaints' events"):
            for chunk in in_chunks(sorted(found)):
                rows = self.session.scalars(
                    select(EventRow).where(EventRow.complaint_id.in_(chunk))
                    .order_by(EventRow.complaint_id, EventRow.sequence))
                for row in rows:
                    found[row.complaint_id].append(_to_stored(row))
        return found

    def for_complaint(self, complaint_id: int) -> Sequence[StoredEvent]:
        with storage_errors("reading the complaint's events"):
            rows = self.session.scalars(
                select(EventRow).where(EventRow.complaint_id == complaint_id)
                .order_by(EventRow.sequence))
            return [_to_stored(row) for row in rows]
