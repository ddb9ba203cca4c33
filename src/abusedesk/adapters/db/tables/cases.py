"""Cases and everything hanging off them: events, notices, answers, evidence, enforcement.

``cases.open_key`` holds the aggregation key (customer, clause, offender) while a case is
not final and NULL afterwards; its unique index is what keeps two concurrent aggregations
from opening two cases for one key. Customer ids are plain integers, as in ``events``:
they record whom the case was about even if customer data is reorganised later. A case's
events are copies (``case_events``), so replaying a complaint never rewrites a case.

The listing indexes pair each filter of the queue with the id, so "newest first" pages
walk one index backwards and stop after a page, at any number of cases; ``due_at`` (set
only while a deadline runs) with the id serves "due before" and "most urgent first".
``case_offence_counts`` keeps each customer's repeat-offence count (cases not dismissed),
changed in the transaction that opens, dismisses or reopens a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base, JSONDocument


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("reference"),
        UniqueConstraint("open_key"),
        Index("ix_cases_key", "customer_id", "clause_id", "offender"),
        Index("ix_cases_state", "state", "id"),
        Index("ix_cases_next_check_at", "next_check_at"),
        Index("ix_cases_notify_customer", "notify_customer_id", "id"),
        Index("ix_cases_customer", "customer_id", "id"),
        Index("ix_cases_clause", "clause_id", "id"),
        Index("ix_cases_due", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(Integer)
    notify_customer_id: Mapped[int] = mapped_column(Integer)
    clause_id: Mapped[str] = mapped_column(String(100))
    clause_title: Mapped[str] = mapped_column(String(300))
    offender: Mapped[str] = mapped_column(String(320))
    open_key: Mapped[str | None] = mapped_column(String(500))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    severity: Mapped[str] = mapped_column(String(10))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_event_at: Mapped[datetime]
    last_event_at: Mapped[datetime]
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    ladder: Mapped[list[Any]] = mapped_column(JSONDocument)
    rung: Mapped[int] = mapped_column(Integer, default=0)
    deadline_seconds: Mapped[int | None] = mapped_column(Integer)
    deadline_source: Mapped[str] = mapped_column(Text)
    ladder_source: Mapped[str] = mapped_column(Text)
    clock_started_at: Mapped[datetime | None]
    clock_seconds: Mapped[int | None] = mapped_column(Integer)
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    consent_note: Mapped[str | None] = mapped_column(Text)
    attention: Mapped[str | None] = mapped_column(Text)


class CaseOffenceCountRow(Base):
    """Cases of a customer that were not dismissed: the repeat-offence count of listings."""

    __tablename__ = "case_offence_counts"

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offences: Mapped[int] = mapped_column(Integer, default=0)


class CaseEventRow(Base):
    """An event as it joined a case; unique per (case, complaint, sequence): a rerun joins once."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "complaint_id", "sequence"),
        Index("ix_case_events_complaint", "complaint_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(Integer)
    event_at: Mapped[datetime]
    category: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(40))
    offender: Mapped[str] = mapped_column(String(320))
    joined_at: Mapped[datetime]


class NoticeRow(Base):
    """One outgoing message; ``dedup_key`` makes queuing the same notice twice a no-op."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_notices_case", "case_id"),
        Index("ix_notices_complaint", "complaint_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    party_id: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    relay_reply: Mapped[str | None] = mapped_column(Text)


class CaseResponseRow(Base):
    __tablename__ = "case_responses"
    __table_args__ = (Index("ix_case_responses_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(20))
    party_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class CaseEvidenceRow(Base):
    """A file attached to an answer, kept whole with its digest."""

    __tablename__ = "case_evidence"
    __table_args__ = (Index("ix_case_evidence_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    response_id: Mapped[int] = mapped_column(ForeignKey("case_responses.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class EnforcementActionRow(Base):
    __tablename__ = "enforcement_actions"
    __table_args__ = (Index("ix_enforcement_actions_case", "case_id"),
                      Index("ix_enforcement_actions_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    executor: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(Text)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None]
    lift_outcome: Mapped[str | None] = mapped_column(Text)


class CaseChargeRow(Base):
    __tablename__ = "case_charges"
    __table_args__ = (Index("ix_case_charges_case", "case_id"),
                      Index("ix_case_charges_recorded_at", "recorded_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    # Decimal text: exact on both engines (SQLite has no decimal type; money is never a float).
    quantity: Mapped[str] = mapped_column(String(32))
    unit_price: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class LegalReferralRow(Base):
    """A restricted case referred to the authorities (clause 2a)."""

    __tablename__ = "legal_referrals"
    __table_args__ = (Index("ix_legal_referrals_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(200))
    referred_at: Mapped[datetime]
    referred_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
