"""Stored policy versions: the source text as loaded, and its publication."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base


class PolicyVersionRow(Base):
    """One loaded version of a policy; published once it has a notice date."""

    __tablename__ = "policy_versions"
    __table_args__ = (
        UniqueConstraint("policy_key", "version"),
        Index("ix_policy_versions_effective", "policy_key", "effective_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    source_text: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]
    notice_date: Mapped[date | None] = mapped_column(Date)
    effective_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
