"""Complaints as received: the exact bytes by SHA-256, and one record per arrival.

``raw_messages`` holds each distinct byte string once, in the database itself, so one
transaction covers the bytes, the record and the processing job. ``complaints`` holds one
row per arrival with its envelope, channel and status. An original is unique by digest and
by dedup key (Message-ID and sender); those two partial unique indexes are what make two
concurrent arrivals of one complaint end as one original and one duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class RawMessageRow(Base):
    """One distinct byte string, addressed by its SHA-256 (hex)."""

    __tablename__ = "raw_messages"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class ComplaintRow(Base):
    """One arrival: an original complaint, or a duplicate pointing at its original."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("uq_complaints_original_sha256", "sha256", unique=True,
              sqlite_where="duplicate_of_id IS NULL",
              postgresql_where="duplicate_of_id IS NULL"),
        Index("uq_complaints_original_dedup_key", "dedup_key", unique=True,
              sqlite_where="duplicate_of_id IS NULL",
              postgresql_where="duplicate_of_id IS NULL"),
        Index("ix_complaints_sha256", "sha256"),
        Index("ix_complaints_dedup_key", "dedup_key"),
        Index("ix_complaints_status", "status", "id"),
        Index("ix_complaints_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("raw_messages.sha256"))
    size: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime]
    envelope_from: Mapped[str | None] = mapped_column(String(512))
    envelope_to: Mapped[list[Any]] = mapped_column(JSONDocument)
    peer: Mapped[str | None] = mapped_column(String(100))
    helo: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    dedup_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(50))
    reporter: Mapped[str | None] = mapped_column(String(320))
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]
    warnings: Mapped[list[Any]] = mapped_column(JSONDocument)
