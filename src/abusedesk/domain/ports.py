"""Ports: what services need from the outside world, as Protocols.

Adapters implement these (``abusedesk.adapters``); ``abusedesk.bootstrap`` wires them. A
unit of work is one database transaction: repositories read and write through it, and jobs
enqueued through it are committed with the data they refer to, or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

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


class UnitOfWork(Protocol):
    """One transaction; use as a context manager and call ``commit()`` to keep its work."""

    policies: PolicyRepository

    def enqueue(self, task: str, args: Mapping[str, Any], *, lock: str | None = None,
                run_at: datetime | None = None) -> None:
        """Enqueue a job in this transaction; it runs only if the transaction commits."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...
