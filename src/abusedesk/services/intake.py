"""Accepting complaints from any channel: store the exact bytes, record the arrival, queue the job.

Every channel (SMTP, IMAP, Maildir and mbox import, the CLI, the API) hands its bytes and
envelope to ``IntakeService``. One transaction writes the bytes (under their SHA-256), the
complaint record and, for an original, its processing job; only after that commit does the
channel acknowledge (SMTP 250, HTTP 2xx, IMAP \\Seen). Duplicates are recorded and point at
their original; they get no job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints import (
    PROCESS_TASK,
    Arrival,
    Channel,
    ComplaintStatus,
    ContentType,
    DedupFacts,
    Envelope,
    NewComplaint,
    Receipt,
    mail_facts,
    sha256_hex,
    xarf_facts,
)
from abusedesk.domain.errors import Conflict, InputLimitExceeded, InvalidInput, StorageError
from abusedesk.domain.ports import UnitOfWork

log = logging.getLogger(__name__)

#: Attempts at storing one arrival when concurrent arrivals of the same complaint collide.
STORE_ATTEMPTS = 4


def size_limit_text(limit: int) -> str:
    """The size limit as people read it (``25 MB``)."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


@dataclass(frozen=True, slots=True)
class Incoming:
    """An arrival checked and ready to store: its bytes, digest and identifying facts."""

    raw: bytes
    sha256: str
    arrival: Arrival
    facts: DedupFacts


class IntakeService:
    """Stores arrivals durably and exactly once per original."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *,
                 max_message_bytes: int) -> None:
        self._uow = uow
        self._clock = clock
        self.max_message_bytes = max_message_bytes

    def accept_message(self, raw: bytes, *, channel: Channel, envelope: Envelope | None = None,
                       source: str | None = None) -> Receipt:
        """Store a raw RFC 822 message as received.

        Raises ``InputLimitExceeded`` when it is larger than the configured limit,
        ``InvalidInput`` when it is empty, and ``StorageError`` when the database fails (the
        sender should try again later); on return the arrival is committed.
        """
        return self.store([self.prepare_message(raw, channel=channel, envelope=envelope,
                                                source=source)])[0]

    def accept_xarf(self, document: bytes, *, channel: Channel = Channel.API,
                    envelope: Envelope | None = None, source: str | None = None) -> Receipt:
        """Store a XARF JSON document as posted (its report id and reporter dedup it).

        Raises ``InvalidInput`` when the bytes are not a JSON object; a JSON object that
        fails XARF validation is stored and then quarantined by processing, with the reason.
        """
        return self.store([self.prepare_xarf(document, channel=channel, envelope=envelope,
                                             source=source)])[0]

    def prepare_xarf(self, document: bytes, *, channel: Channel = Channel.API,
                     envelope: Envelope | None = None, source: str | None = None) -> Incoming:
        """Check a XARF JSON document and read what identifies it; nothing is stored yet."""
        return self._incoming(document, ContentType.XARF_JSON, xarf_facts, channel=channel,
                              envelope=envelope, source=source)

    def prepare_message(self, raw: bytes, *, channel: Channel, envelope: Envelope | None = None,
                        source: str | None = None) -> Incoming:
        """Check a raw message and read what identifies it; nothing is stored yet."""
        return self._incoming(raw, ContentType.RFC822, mail_facts, channel=channel,
                              envelope=envelope, source=source)

    def store(self, incoming: Sequence[Incoming]) -> list[Receipt]:
        """Store arrivals in one transaction (a group commit); receipts in the same order.

        Within the group, a later arrival of an earlier one's complaint is its duplicate. If
        the transaction fails, nothing of the group is kept and ``StorageError`` is raised.
        """
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                return self._store_once(incoming)
            except Conflict:
                # A concurrent arrival of the same complaint committed first; looking
                # again finds it, and this arrival becomes its duplicate.
                log.info("%d arrival(s) collided with concurrent ones (attempt %d)",
                         len(incoming), attempt)
        raise StorageError(f"could not record {len(incoming)} arrival(s) after {STORE_ATTEMPTS} "
                           "attempts against concurrent arrivals; try again")

    def _incoming(self, raw: bytes, content_type: ContentType,
                  facts: Callable[[bytes], DedupFacts], *, channel: Channel,
                  envelope: Envelope | None, source: str | None) -> Incoming:
        self._check_size(raw)
        arrival = Arrival(channel=channel, received_at=self._clock.now(),
                          envelope=envelope or Envelope(), source=source,
                          content_type=content_type)
        return Incoming(raw, sha256_hex(raw), arrival, facts(raw))

    def _check_size(self, raw: bytes) -> None:
        if not raw:
            raise InvalidInput("the complaint is empty")
        if len(raw) > self.max_message_bytes:
            raise InputLimitExceeded(
                f"the complaint is {len(raw):,} bytes; abusedesk accepts at most "
                f"{size_limit_text(self.max_message_bytes)} per complaint")

    def _store_once(self, incoming: Sequence[Incoming]) -> list[Receipt]:
        with self._uow() as uow:
            receipts = [self._store_one(uow, item) for item in incoming]
            uow.commit()
        return receipts

    @staticmethod
    def _store_one(uow: UnitOfWork, item: Incoming) -> Receipt:
        arrival, digest = item.arrival, item.sha256
        if arrival.source is not None:
            earlier = uow.complaints.find_arrival(digest, arrival.source)
            if earlier is not None:
                return Receipt(earlier.id, digest, earlier.status, earlier.duplicate_of,
                               new=False)
        original = uow.complaints.original_id(digest, item.facts.dedup_key)
        uow.complaints.store_raw(digest, item.raw, stored_at=arrival.received_at)
        record = uow.complaints.add(NewComplaint(
            sha256=digest, size=len(item.raw), arrival=arrival, facts=item.facts,
            status=ComplaintStatus.RECEIVED if original is None else ComplaintStatus.DUPLICATE,
            duplicate_of=original))
        if original is None:
            uow.enqueue(PROCESS_TASK, {"complaint_id": record.id})
        return Receipt(record.id, digest, record.status, record.duplicate_of)
