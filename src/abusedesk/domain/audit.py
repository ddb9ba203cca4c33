"""The audit log as a hash chain: canonical entries, sealing, and verification.

Every entry is serialised canonically (JSON, keys sorted, no insignificant whitespace,
UTF-8, times in UTC with microseconds) and its hash is
``sha256(previous hash + canonical entry)``; the first entry follows ``GENESIS``. Editing
any field of an entry changes its hash; deleting an entry leaves a gap in the sequence and
a link that points nowhere; deleting entries at the end is caught against the stored head
and, against someone who can rewrite the head too, against a head published elsewhere
(``abusedesk audit head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be written to the audit log")


def canonical_json(value: Any) -> str:
    """The one serialisation that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_default)


def canonical_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What happened, before it is sealed into the chain."""

    at: datetime
    actor: str
    action: str  # "case.transition", "enforcement.approve", "notice.sent" ...
    subject_type: str  # "case", "enforcement", "notice", "complaint" ...
    subject_id: str
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A sealed entry as stored; ``data_json`` is the canonical text that was hashed."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    reason: str | None
    data_json: str
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data_json)
        return loaded


def entry_body(*, seq: int, at: datetime, actor: str, action: str, subject_type: str,
               subject_id: str, reason: str | None, data_json: str) -> bytes:
    """The canonical bytes of an entry's content (everything but the hashes)."""
    return canonical_json({
        "seq": seq, "at": canonical_time(at), "actor": actor, "action": action,
        "subject_type": subject_type, "subject_id": subject_id, "reason": reason,
        "data": data_json,
    }).encode("utf-8")


def chain_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def seal(record: AuditRecord, *, prev_seq: int, prev_hash: str) -> AuditEntry:
    """The entry that follows ``(prev_seq, prev_hash)``; ``(0, GENESIS)`` starts the chain."""
    data_json = canonical_json(dict(record.data))
    seq = prev_seq + 1
    body = entry_body(seq=seq, at=record.at, actor=record.actor, action=record.action,
                      subject_type=record.subject_type, subject_id=record.subject_id,
                      reason=record.reason, data_json=data_json)
    return AuditEntry(seq, record.at, record.actor, record.action, record.subject_type,
                      record.subject_id, record.reason, data_json, prev_hash,
                      chain_hash(prev_hash, body))


def recompute_hash(entry: AuditEntry) -> str:
    body = entry_body(seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                      subject_type=entry.subject_type, subject_id=entry.subject_id,
                      reason=entry.reason, data_json=entry.data_json)
    return chain_hash(entry.prev_hash, body)


class ProblemKind(StrEnum):
    EDITED = "edited"  # an entry's content no longer matches its hash
    MISSING = "missing"  # entries are missing before this one (a gap in the sequence)
    RELINKED = "relinked"  # the entry does not point at the hash of the one before
    HEAD = "head"  # the end of the chain is not the recorded (or expected) head


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    seq: int
    message: str


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    last_seq: int
    last_hash: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(entries: Iterable[AuditEntry], *, head: tuple[int, str] | None = None,
                 expected_head: tuple[int | None, str] | None = None,
                 max_problems: int = 1000) -> Verification:
    """Walk the chain in sequence order and report every place it was tampered with.

    ``head`` is the stored head record ``(seq, hash)``; ``expected_head`` one published
    elsewhere (its seq may be None: then its hash must appear at or before the end).
    Reading is streaming, so a long log costs time, not memory.
    """
    problems: list[Problem] = []
    prev_seq, prev_hash, count = 0, GENESIS, 0
    seen_expected = False

    def report(kind: ProblemKind, seq: int, message: str) -> None:
        if len(problems) < max_problems:
            problems.append(Problem(kind, seq, message))

    for entry in entries:
        count += 1
        if entry.seq > prev_seq + 1:
            first, last = prev_seq + 1, entry.seq - 1
            gap = f"entry {first} is" if first == last else f"entries {first} to {last} are"
            report(ProblemKind.MISSING, entry.seq, f"{gap} missing (deleted?)")
        elif entry.seq <= prev_seq:
            report(ProblemKind.RELINKED, entry.seq,
                   f"entry {entry.seq} comes after entry {prev_seq} (renumbered?)")
        if entry.prev_hash != prev_hash:
            report(ProblemKind.RELINKED, entry.seq,
                   f"entry {entry.seq} does not follow the hash of entry {prev_seq}")
        if recompute_hash(entry) != entry.hash:
            report(ProblemKind.EDITED, entry.seq,
                   f"entry {entry.seq} ({entry.action} {entry.subject_type} "
                   f"{entry.subject_id}) was changed after it was written")
        if expected_head is not None and entry.hash == expected_head[1]:
            seen_expected = True
        prev_seq, prev_hash = entry.seq, entry.hash
    if head is not None and (head[0], head[1]) != (prev_seq, prev_hash):
        report(ProblemKind.HEAD, prev_seq,
               f"the log ends at entry {prev_seq} but its head records entry {head[0]}: "
               "entries at the end were removed, or the head was changed")
    if expected_head is not None:
        want_seq, want_hash = expected_head
        if want_seq is not None and want_seq > prev_seq:
            report(ProblemKind.HEAD, prev_seq,
                   f"the published head is entry {want_seq}, beyond the end ({prev_seq})")
        elif not seen_expected and want_hash != GENESIS:
            report(ProblemKind.HEAD, prev_seq,
                   f"the published head {want_hash[:16]}... is not in the log")
    return Verification(count, prev_seq, prev_hash, tuple(problems))
