"""Blocklist monitoring: listing state per zone and entry, its changes, and the sweeps.

``blocklist_listings`` holds one row per (zone, entry) from the first time the entry was
seen listed: a sweep of a /16 that finds nothing writes no row, so the table stays the
size of what was ever listed. ``blocklist_changes`` is the history of transitions (new
listing, changed codes, delisting, re-listing) with the evidence of each and, once applied,
the case it went to; a change not yet applied is work still owed to the case machinery.
``blocklist_sweeps`` records each recorded sweep; the one ``running`` row (a partial unique
index) is the lock that lets one sweep run at a time, with a lease that a crashed sweep
lets expire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class BlocklistListingRow(Base):
    """What is known of one address or domain on one zone."""

    __tablename__ = "blocklist_listings"
    __table_args__ = (
        UniqueConstraint("zone", "entry"),
        Index("ix_blocklist_listings_entry", "entry"),
        Index("ix_blocklist_listings_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(63))
    entry: Mapped[str] = mapped_column(String(253))
    asset: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    codes: Mapped[list[Any]] = mapped_column(JSONDocument)
    meanings: Mapped[list[Any]] = mapped_column(JSONDocument)
    txt: Mapped[list[Any]] = mapped_column(JSONDocument)
    evidence: Mapped[str] = mapped_column(Text)
    first_listed_at: Mapped[datetime]
    listed_since: Mapped[datetime | None]
    delisted_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime]
    listings: Mapped[int] = mapped_column(Integer)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class BlocklistChangeRow(Base):
    """One transition of a listing; ``applied_at`` is set once its case work is done."""

    __tablename__ = "blocklist_changes"
    __table_args__ = (
        Index("ix_blocklist_changes_listing_id", "listing_id", "id"),
        Index("ix_blocklist_changes_applied_at", "applied_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("blocklist_listings.id"))
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("blocklist_sweeps.id"))
    transition: Mapped[str] = mapped_column(String(20))
    observed_at: Mapped[datetime]
    codes: Mapped[list[Any]] = mapped_column(JSONDocument)
    meanings: Mapped[list[Any]] = mapped_column(JSONDocument)
    txt: Mapped[list[Any]] = mapped_column(JSONDocument)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    prior_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    applied_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)


class BlocklistSweepRow(Base):
    """One recorded sweep, and while it runs, the sweep lock."""

    __tablename__ = "blocklist_sweeps"
    __table_args__ = (
        Index("uq_blocklist_sweeps_running", "status", unique=True,
              sqlite_where="status = 'running'", postgresql_where="status = 'running'"),
        Index("ix_blocklist_sweeps_started_at", "scope", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    lease_until: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    targets: Mapped[int] = mapped_column(Integer)
    queries: Mapped[int] = mapped_column(Integer)
    listed: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    detail: Mapped[str | None] = mapped_column(Text)
