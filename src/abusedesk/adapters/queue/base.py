"""What both job queues (embedded and procrastinate) offer to the unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

#: The one queue abusedesk uses on procrastinate; kept for the embedded queue's symmetry.
DEFAULT_QUEUE = "abusedesk"


class TransactionalQueue(Protocol):
    def enqueue(self, session: Session, task: str, args: dict[str, Any], *,
                lock: str | None, run_at: datetime | None) -> None:
        """Write the job through ``session``, inside its open transaction."""
        ...

    def committed(self) -> None:
        """Called after a transaction that may have enqueued jobs commits."""
        ...
