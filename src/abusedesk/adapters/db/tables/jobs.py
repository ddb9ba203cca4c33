"""Job bookkeeping that lives beside the data.

``embedded_jobs`` is the queue of the embedded (SQLite) mode: rows are written in the
transaction that wrote the job's input and removed when the job has run. On PostgreSQL
procrastinate's own tables play this part. ``queue_pings`` records round trips of the
``queue.ping`` health-check task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class EmbeddedJobRow(Base):
    __tablename__ = "embedded_jobs"
    __table_args__ = (Index("ix_embedded_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    lock: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="todo")  # todo | doing | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # "host:pid" while doing


class QueuePingRow(Base):
    __tablename__ = "queue_pings"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(100), index=True)
    worker: Mapped[str] = mapped_column(String(200))
    done_at: Mapped[datetime]
