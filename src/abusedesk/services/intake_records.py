"""Reading stored complaints back (records, exact bytes, events) and replaying them.

``raw`` hands back the bytes exactly as received and checks them against the SHA-256 they
are stored under, so a copy given to a customer or a court is verifiably the one received.
``replay`` puts complaints back to ``received`` and queues their processing job, in one
transaction: after a parser fix, quarantined complaints are read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from abusedesk.domain.complaints import (
    PROCESS_TASK,
    ComplaintRecord,
    ComplaintStatus,
    RawCopy,
    checked_copy,
)
from abusedesk.domain.complaints_events import StoredEvent
from abusedesk.domain.errors import Conflict, InvalidInput, NotFound
from abusedesk.domain.ports import UnitOfWork

#: Statuses ``replay_all`` accepts: what failed, and what never finished.
REPLAYABLE_STATUSES = (ComplaintStatus.QUARANTINED, ComplaintStatus.RECEIVED)


class ComplaintRecords:
    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self._uow = uow

    def get(self, complaint_id: int) -> ComplaintRecord:
        """The record of complaint ``complaint_id``; ``NotFound`` if there is none."""
        with self._uow() as uow:
            record = uow.complaints.get(complaint_id)
        if record is None:
            raise NotFound(f"there is no complaint {complaint_id}")
        return record

    def raw(self, complaint_id: int) -> RawCopy:
        """The exact bytes of a complaint, verified against their digest.

        Raises ``StorageError`` if the stored bytes no longer match the digest they were
        stored under: the copy would not be true, so none is given.
        """
        with self._uow() as uow:
            record = uow.complaints.get(complaint_id)
            if record is None:
                raise NotFound(f"there is no complaint {complaint_id}")
            data = uow.complaints.raw(record.sha256)
        return checked_copy(record, data)

    def events(self, complaint_id: int) -> Sequence[StoredEvent]:
        """The events stored for a complaint (of its original, for a duplicate)."""
        record = self.get(complaint_id)
        with self._uow() as uow:
            return uow.events.for_complaint(record.original_id)

    def events_of(self, records: Sequence[ComplaintRecord]) -> dict[int, Sequence[StoredEvent]]:
        """The stored events of each record (of its original, for a duplicate), by record
        id: one read for a listing page, not one per complaint."""
        originals = {record.id: record.original_id for record in records}
        with self._uow() as uow:
            found = uow.events.for_complaints(set(originals.values()))
        return {record_id: found[original] for record_id, original in originals.items()}

    def replay(self, complaint_ids: Sequence[int]) -> list[int]:
        """Queue processing again for the named complaints; returns their ids.

        Duplicates cannot be replayed (``Conflict`` names their original); unknown ids raise
        ``NotFound``. Nothing is queued unless every id is valid.
        """
        ids = list(dict.fromkeys(complaint_ids))
        with self._uow() as uow:
            for complaint_id in ids:
                record = uow.complaints.get(complaint_id)
                if record is None:
                    raise NotFound(f"there is no complaint {complaint_id}")
                if record.duplicate_of is not None:
                    raise Conflict(f"complaint {complaint_id} is a duplicate of "
                                   f"{record.duplicate_of}; replay that one")
            self._queue(uow, ids)
            uow.commit()
        return ids

    def replay_all(self, status: ComplaintStatus) -> list[int]:
        """Queue processing again for every complaint in ``status`` (quarantined, received)."""
        if status not in REPLAYABLE_STATUSES:
            raise InvalidInput(f"only {' and '.join(REPLAYABLE_STATUSES)} complaints are "
                               "replayed in bulk; name others by id")
        with self._uow() as uow:
            ids = list(uow.complaints.ids_with_status(status))
            self._queue(uow, ids)
            uow.commit()
        return ids

    def list(self, *, status: ComplaintStatus | None = None, limit: int = 50,
             before_id: int | None = None) -> Sequence[ComplaintRecord]:
        """Complaints, newest first; ``before_id`` pages back."""
        if not 1 <= limit <= 10_000:
            raise InvalidInput("limit must be between 1 and 10000")
        with self._uow() as uow:
            return uow.complaints.list(status=status, limit=limit, before_id=before_id)

    @staticmethod
    def _queue(uow: UnitOfWork, ids: Sequence[int]) -> None:
        uow.complaints.reset_to_received(ids)
        for complaint_id in ids:
            uow.enqueue(PROCESS_TASK, {"complaint_id": complaint_id})
