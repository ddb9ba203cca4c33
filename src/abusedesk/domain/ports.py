"""Ports: what services need from the outside world, as Protocols.

Adapters implement these (``abusedesk.adapters``); ``abusedesk.bootstrap`` wires them. A
unit of work is one database transaction: repositories read and write through it, and jobs
enqueued through it are committed with the data they refer to, or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from abusedesk.domain.blocklists import ListingChange, ListingStatus, StoredListing, SweepRecord
from abusedesk.domain.bulk import BulkRepository
from abusedesk.domain.cases_ports import (
    AuditRepository,
    CaseRepository,
    EnforcementRepository,
    NoticeRepository,
)
from abusedesk.domain.complaints import (
    ComplaintRecord,
    ComplaintStatus,
    MailboxItem,
    NewComplaint,
)
from abusedesk.domain.complaints_events import ResolvedEvent, StoredEvent
from abusedesk.domain.customers_repository import CustomerRepository
from abusedesk.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A policy version as stored, with its publication state."""

    id: int
    key: str
    version: str
    title: str
    source_sha256: str
    loaded_at: datetime
    notice_date: date | None
    effective_at: datetime | None
    published_at: datetime | None
    policy: Policy
    source_text: str

    @property
    def label(self) -> str:
        return f"{self.key}:{self.version}"


class PolicyRepository(Protocol):
    def add(self, policy: Policy, *, source_text: str, source_sha256: str,
            loaded_at: datetime) -> StoredPolicy: ...

    def find(self, key: str | None, version: str) -> Sequence[StoredPolicy]: ...

    def all(self) -> Sequence[StoredPolicy]: ...

    def published(self) -> Sequence[StoredPolicy]:
        """Published versions, earliest effective first."""
        ...

    def mark_published(self, stored_id: int, *, notice_date: date, effective_at: datetime,
                       published_at: datetime) -> StoredPolicy: ...


class ComplaintRepository(Protocol):
    """Complaint records and their exact bytes (see ``abusedesk.domain.complaints``)."""

    def original_id(self, sha256: str, dedup_key: str | None) -> int | None:
        """The id of the original complaint with these bytes or this dedup key, if any."""
        ...

    def find_arrival(self, sha256: str, source: str) -> ComplaintRecord | None:
        """An earlier record of these bytes from this same source (a re-delivery)."""
        ...

    def store_raw(self, sha256: str, data: bytes, *, stored_at: datetime) -> None:
        """Keep ``data`` under its digest unless it is already stored."""
        ...

    def add(self, complaint: NewComplaint) -> ComplaintRecord:
        """Write a record; raises ``Conflict`` if a concurrent writer stored the original."""
        ...

    def get(self, complaint_id: int, *, for_update: bool = False) -> ComplaintRecord | None: ...

    def raw(self, sha256: str) -> bytes | None: ...

    def list(self, *, status: ComplaintStatus | None = None, limit: int = 50,
             before_id: int | None = None) -> Sequence[ComplaintRecord]:
        """Newest first."""
        ...

    def ids_with_status(self, status: ComplaintStatus) -> Sequence[int]: ...

    def reset_to_received(self, complaint_ids: Sequence[int]) -> None: ...

    def record_outcome(self, complaint_id: int, *, status: ComplaintStatus,
                       processed_at: datetime, reason: str | None = None,
                       format: str | None = None, reporter: str | None = None,
                       event_count: int = 0, warnings: Sequence[str] = ()) -> None: ...


class EventRepository(Protocol):
    def replace_for_complaint(self, complaint_id: int, events: Sequence[ResolvedEvent], *,
                              created_at: datetime) -> None:
        """Store ``events`` as the complaint's events, removing any stored before."""
        ...

    def for_complaint(self, complaint_id: int) -> Sequence[StoredEvent]: ...

    def for_complaints(self, complaint_ids: Collection[int]) -> dict[int, list[StoredEvent]]:
        """The events of each complaint (in sequence order), every id asked for a key, in
        one read for a listing page rather than one per complaint."""
        ...


class Mailbox(Protocol):
    """A mailbox abusedesk takes complaints from (IMAP folder, Maildir, mbox file)."""

    def unseen(self) -> Iterator[MailboxItem]:
        """The messages not yet taken, oldest first."""
        ...

    def mark_seen(self, item: MailboxItem) -> None:
        """Record that ``item`` is stored; called only after the commit."""
        ...


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A staff account; ``password_hash`` is a KDF string, never the password."""

    id: int
    username: str
    display_name: str
    role: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredToken:
    """An API token as stored: its SHA-256 only; ``kind`` is staff, customer or partner."""

    id: int
    name: str
    prefix: str
    kind: str
    role: str | None
    customer_id: int | None
    user_id: int | None
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A browser session (staff UI or customer portal), found by the SHA-256 of its cookie."""

    id: int
    kind: str
    user_id: int | None
    token_id: int | None
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


class AccessRepository(Protocol):
    """Staff users, API tokens, browser sessions and failed logins."""

    def add_user(self, *, username: str, display_name: str, role: str, password_hash: str,
                 created_at: datetime) -> StoredUser: ...

    def user(self, user_id: int) -> StoredUser | None: ...

    def user_by_name(self, username: str) -> StoredUser | None: ...

    def users(self) -> Sequence[StoredUser]: ...

    def update_user(self, user_id: int, **changes: Any) -> StoredUser: ...

    def add_token(self, *, name: str, prefix: str, secret_sha256: str, kind: str,
                  role: str | None, customer_id: int | None, user_id: int | None,
                  created_by: str, created_at: datetime,
                  expires_at: datetime | None) -> StoredToken: ...

    def token(self, token_id: int) -> StoredToken | None: ...

    def token_by_secret(self, secret_sha256: str) -> StoredToken | None: ...

    def tokens(self) -> Sequence[StoredToken]: ...

    def update_token(self, token_id: int, **changes: Any) -> StoredToken: ...

    def add_session(self, *, secret_sha256: str, kind: str, user_id: int | None,
                    token_id: int | None, created_at: datetime,
                    expires_at: datetime) -> StoredSession: ...

    def session_by_secret(self, secret_sha256: str) -> StoredSession | None: ...

    def touch_session(self, session_id: int, *, seen_at: datetime,
                      expires_at: datetime) -> None: ...

    def delete_session(self, session_id: int) -> None: ...

    def delete_sessions(self, *, user_id: int | None = None, token_id: int | None = None,
                        expired_before: datetime | None = None) -> int: ...

    def add_login_failure(self, key: str, at: datetime) -> None: ...

    def count_login_failures(self, key: str, since: datetime) -> int: ...

    def clear_login_failures(self, key: str, *, before: datetime | None = None) -> None: ...


class BlocklistRepository(Protocol):
    """Listing state per zone and entry, its changes, and the sweep records (and lock)."""

    def listings(self, *, zones: Collection[str] | None = None,
                 entries: Collection[str] | None = None,
                 status: ListingStatus | None = None) -> Sequence[StoredListing]: ...

    def listing(self, zone: str, entry: str, *,
                for_update: bool = False) -> StoredListing | None: ...

    def save_listing(self, listing: StoredListing) -> StoredListing:
        """Insert (``id`` 0; ``Conflict`` if the zone and entry exist) or update."""
        ...

    def touch(self, checked: Sequence[tuple[int, datetime]]) -> None:
        """Set "last checked" (listing id, time) of listings whose state did not change."""
        ...

    def add_change(self, change: ListingChange) -> ListingChange: ...

    def change(self, change_id: int, *, for_update: bool = False) -> ListingChange | None: ...

    def changes(self, *, listing_ids: Collection[int] | None = None, pending: bool = False,
                limit: int = 1000) -> Sequence[ListingChange]:
        """Oldest first; ``pending``: those whose case work is not done yet."""
        ...

    def save_change(self, change: ListingChange) -> None: ...

    def start_sweep(self, *, trigger: str, scope: str, at: datetime,
                    lease_until: datetime) -> SweepRecord:
        """Record a running sweep, taking the sweep lock; ``Conflict`` if another runs."""
        ...

    def renew_sweep(self, sweep_id: int, lease_until: datetime) -> None: ...

    def finish_sweep(self, record: SweepRecord) -> None: ...

    def sweeps(self, *, scope: str | None = None, limit: int = 10) -> Sequence[SweepRecord]:
        """Newest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction; use as a context manager and call ``commit()`` to keep its work."""

    policies: PolicyRepository
    customers: CustomerRepository
    access: AccessRepository
    complaints: ComplaintRepository
    events: EventRepository
    cases: CaseRepository
    notices: NoticeRepository
    enforcement: EnforcementRepository
    audit: AuditRepository
    blocklists: BlocklistRepository
    bulk: BulkRepository

    def enqueue(self, task: str, args: Mapping[str, Any], *, lock: str | None = None,
                run_at: datetime | None = None) -> None:
        """Enqueue a job in this transaction; it runs only if the transaction commits."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...
