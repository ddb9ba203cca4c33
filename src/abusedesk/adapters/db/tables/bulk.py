"""Bulk-email compliance: master no-send lists, opt-in evidence requests, affiliates.

No-send addresses are stored as the SHA-256 of the normalised address with a masked hint,
never in plain text (see ``abusedesk.domain.bulk``). ``(customer_id, address_sha256)`` is
unique, which makes adding an address idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class NoSendEntryRow(Base):
    """One address a customer must no longer send to."""

    __tablename__ = "no_send_entries"
    __table_args__ = (UniqueConstraint("customer_id", "address_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    address_sha256: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(330))
    source: Mapped[str] = mapped_column(String(30))
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(200))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    note: Mapped[str | None] = mapped_column(Text)


class OptInRequestRow(Base):
    """A request for a recipient's confirmed opt-in record, with its deadline."""

    __tablename__ = "optin_requests"
    __table_args__ = (
        Index("ix_optin_requests_open_due", "answered_at", "overdue_at", "due_at"),
        Index("ix_optin_requests_customer_id", "customer_id"),
        Index("ix_optin_requests_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    address_sha256: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(330))
    clause_id: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(320))
    evidence: Mapped[str | None] = mapped_column(Text)
    overdue_at: Mapped[datetime | None]
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))


class AffiliateRow(Base):
    """An affiliate a customer's lead programme uses, with the domains it sends as."""

    __tablename__ = "affiliates"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    name: Mapped[str] = mapped_column(String(200))
    domains: Mapped[list[Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
