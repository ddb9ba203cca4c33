"""Events read from complaints, classified and resolved.

One row per event of a processed complaint, numbered by ``sequence`` within it. Re-running
the processing job replaces a complaint's rows, so ``(complaint_id, sequence)`` is unique.
Customer, asset and notify-customer ids are plain integers: they record what resolution
answered at processing time, and stay readable if the customer data is later reorganised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("complaint_id", "sequence"),
        Index("ix_events_customer_time", "customer_id", "event_time"),
        Index("ix_events_offender", "offender"),
        Index("ix_events_event_time", "event_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(40))
    rsit_type: Mapped[str | None] = mapped_column(String(60))
    event_time: Mapped[datetime]
    time_source: Mapped[str] = mapped_column(String(20))
    time_field: Mapped[str | None] = mapped_column(String(100))
    offender: Mapped[str | None] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(45))
    port: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    reporter: Mapped[str | None] = mapped_column(String(320))
    report_id: Mapped[str | None] = mapped_column(String(300))
    evidence: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    clause_ids: Mapped[list[Any]] = mapped_column(JSONDocument)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    classification_note: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    asset_id: Mapped[int | None] = mapped_column(Integer)
    notify_customer_id: Mapped[int | None] = mapped_column(Integer)
    resolution_matched: Mapped[str | None] = mapped_column(String(300))
    not_ours_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
