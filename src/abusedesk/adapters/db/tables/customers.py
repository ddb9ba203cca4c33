"""Customers, their assets with validity windows, agreements, consents and policy notices.

``customers.ref`` is the natural key an import matches on. Asset windows are never
deleted once they began: history is closed (``valid_until``), not erased. The single row
of ``resolution_stamps`` is bumped in every transaction that changes customers or assets,
so each process holding an in-memory resolution index can tell it is stale cheaply.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("ref"),
        Index("ix_customers_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))  # customer | partner
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    rep_name: Mapped[str | None] = mapped_column(String(500))
    rep_email: Mapped[str | None] = mapped_column(String(320))
    rep_phone: Mapped[str | None] = mapped_column(String(100))
    rep_verified_at: Mapped[datetime | None]
    resale_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerCarrierRow(Base):
    """A supplemental carrier (a policy carrier id) serving a customer."""

    __tablename__ = "customer_carriers"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    carrier_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class CustomerClauseTermsRow(Base):
    """The agreement's override of one clause: deadline (policy syntax), ladder, or both."""

    __tablename__ = "customer_clause_terms"
    __table_args__ = (UniqueConstraint("customer_id", "clause_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    clause_id: Mapped[str] = mapped_column(String(100))
    deadline: Mapped[str | None] = mapped_column(String(50))
    ladder: Mapped[list[str] | None] = mapped_column(JSONDocument)


class CustomerConsentRow(Base):
    __tablename__ = "customer_consents"
    __table_args__ = (Index("ix_customer_consents_customer", "customer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(100))
    scope: Mapped[list[str]] = mapped_column(JSONDocument)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    granted_by: Mapped[str] = mapped_column(String(500))
    document: Mapped[str | None] = mapped_column(String(500))


class CustomerAssetRow(Base):
    """One validity window of one resource; NULL bounds are unbounded."""

    __tablename__ = "customer_assets"
    __table_args__ = (
        Index("ix_customer_assets_value", "kind", "value"),
        Index("ix_customer_assets_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(20))  # prefix | domain | hostname | asn
    value: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ResolutionStampRow(Base):
    """One row (id 1): a counter bumped whenever customers or assets change."""

    __tablename__ = "resolution_stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime]


class PolicyNoticeRow(Base):
    """A customer was given notice of a policy version (on publication, or on joining)."""

    __tablename__ = "policy_notices"
    __table_args__ = (
        UniqueConstraint("policy_version_id", "customer_id"),
        Index("ix_policy_notices_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    noticed_at: Mapped[datetime]

