"""Cases: cases and their events, notices, customer answers and evidence, enforcement
actions, charges, legal referrals, repeat-offence counters; the audit log (a hash chain)
and its head.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("notify_customer_id", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.String(100), nullable=False),
        sa.Column("clause_title", sa.String(300), nullable=False),
        sa.Column("offender", sa.String(320), nullable=False),
        sa.Column("open_key", sa.String(500), nullable=True),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_event_at", UTCDateTime(), nullable=False),
        sa.Column("last_event_at", UTCDateTime(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("ladder", JSONDocument, nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("deadline_seconds", sa.Integer(), nullable=True),
        sa.Column("deadline_source", sa.Text(), nullable=False),
        sa.Column("ladder_source", sa.Text(), nullable=False),
        sa.Column("clock_started_at", UTCDateTime(), nullable=True),
        sa.Column("clock_seconds", sa.Integer(), nullable=True),
        sa.Column("paused_at", UTCDateTime(), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("next_check_at", UTCDateTime(), nullable=True),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("previous_case_id", sa.Integer(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("consent_note", sa.Text(), nullable=True),
        sa.Column("attention", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("reference", name="uq_cases_reference"),
        sa.UniqueConstraint("open_key", name="uq_cases_open_key"),
        _fk("cases", "policy_version_id", "policy_versions"),
        _fk("cases", "previous_case_id", "cases"),
    )
    op.create_index("ix_cases_key", "cases", ["customer_id", "clause_id", "offender"])
    op.create_index("ix_cases_state", "cases", ["state", "id"])
    op.create_index("ix_cases_next_check_at", "cases", ["next_check_at"])
    op.create_index("ix_cases_notify_customer", "cases", ["notify_customer_id", "id"])
    op.create_index("ix_cases_customer", "cases", ["customer_id", "id"])
    op.create_index("ix_cases_clause", "cases", ["clause_id", "id"])
    op.create_index("ix_cases_due", "cases", ["due_at", "id"])

    op.create_table(
        "case_offence_counts",
        sa.Column("customer_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offences", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_case_offence_counts"),
    )

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("event_at", UTCDateTime(), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("offender", sa.String(320), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
        sa.UniqueConstraint("case_id", "complaint_id", "sequence",
                            name="uq_case_events_case_id_complaint_id_sequence"),
        _fk("case_events", "case_id", "cases"),
        _fk("case_events", "complaint_id", "complaints"),
    )
    op.create_index("ix_case_events_complaint", "case_events", ["complaint_id"])

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("attachment_sha256", sa.String(64), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("relay_reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("dedup_key", name="uq_notices_dedup_key"),
        _fk("notices", "case_id", "cases"),
        _fk("notices", "complaint_id", "complaints"),
    )
    op.create_index("ix_notices_case", "notices", ["case_id"])
    op.create_index("ix_notices_complaint", "notices", ["complaint_id"])

    op.create_table(
        "case_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_responses"),
        _fk("case_responses", "case_id", "cases"),
    )
    op.create_index("ix_case_responses_case", "case_responses", ["case_id"])

    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_evidence"),
        _fk("case_evidence", "case_id", "cases"),
        _fk("case_evidence", "response_id", "case_responses"),
    )
    op.create_index("ix_case_evidence_case", "case_evidence", ["case_id"])

    op.create_table(
        "enforcement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("executed_at", UTCDateTime(), nullable=True),
        sa.Column("executor", sa.String(100), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("lifted_by", sa.String(200), nullable=True),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
        sa.Column("lift_outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_actions"),
        _fk("enforcement_actions", "case_id", "cases"),
    )
    op.create_index("ix_enforcement_actions_case", "enforcement_actions", ["case_id"])
    op.create_index("ix_enforcement_actions_status", "enforcement_actions", ["status"])

    op.create_table(
        "case_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.String(32), nullable=False),
        sa.Column("unit_price", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_charges"),
        _fk("case_charges", "case_id", "cases"),
    )
    op.create_index("ix_case_charges_case", "case_charges", ["case_id"])
    op.create_index("ix_case_charges_recorded_at", "case_charges", ["recorded_at"])

    op.create_table(
        "legal_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("referred_at", UTCDateTime(), nullable=False),
        sa.Column("referred_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_legal_referrals"),
        _fk("legal_referrals", "case_id", "cases"),
    )
    op.create_index("ix_legal_referrals_case", "legal_referrals", ["case_id"])

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject_type", sa.String(50), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_type", "subject_id", "seq"])

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    # The head exists from the start, so appending always locks a row and never races
    # to create it. Sequence 0 with the genesis hash is the empty chain.
    head = sa.table("audit_head", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()),
                    sa.column("hash", sa.String(64)), sa.column("updated_at", UTCDateTime()))
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64,
                           "updated_at": datetime.now(UTC)}])


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
