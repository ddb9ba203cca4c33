"""The audit log as a use case: record within a transaction, verify the chain, read history.

Services record what they change through ``record`` inside their own unit of work, so an
entry exists exactly when the change it describes was committed. ``AuditService.verify``
walks the whole chain (see ``abusedesk.domain.audit``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from abusedesk.domain.audit import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    Verification,
    verify_chain,
)
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.ports import UnitOfWork

#: The actor of what abusedesk does by itself (aggregation, deadline checks, sending).
SYSTEM_ACTOR = "system"


def record(uow: UnitOfWork, clock: Clock, *, actor: str, action: str, subject_type: str,
           subject_id: int | str, reason: str | None = None,
           data: Mapping[str, Any] | None = None) -> AuditEntry:
    """Append one entry in ``uow``'s transaction."""
    actor = actor.strip() or SYSTEM_ACTOR
    return uow.audit.append(AuditRecord(
        at=clock.now(), actor=actor[:200], action=action, subject_type=subject_type,
        subject_id=str(subject_id), reason=reason, data=dict(data or {})))


def parse_head(text: str) -> tuple[int | None, str]:
    """A published head as ``SEQ:HASH`` or just ``HASH`` (64 hex digits)."""
    seq_text, _, digest = text.strip().rpartition(":")
    digest = digest.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(f"{text!r} is not an audit head (SEQ:SHA256 or SHA256)")
    if not seq_text:
        return None, digest
    if not seq_text.isdigit():
        raise InvalidInput(f"{seq_text!r} is not a sequence number")
    return int(seq_text), digest


class AuditService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def verify(self, *, expected_head: str | None = None) -> Verification:
        """Walk the chain; with ``expected_head`` (``SEQ:HASH`` published earlier) also prove
        that nothing after that point was cut off and rewritten."""
        expected = parse_head(expected_head) if expected_head else None
        with self._uow() as uow:
            head = uow.audit.head()
            return verify_chain(uow.audit.entries(), head=head, expected_head=expected)

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last entry, to publish somewhere the database cannot reach."""
        with self._uow() as uow:
            return uow.audit.head() or (0, GENESIS)

    def history(self, subject_type: str, subject_id: int | str) -> Sequence[AuditEntry]:
        with self._uow() as uow:
            return uow.audit.for_subject(subject_type, str(subject_id))
