"""Events: what each processed complaint reports, classified and resolved.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("rsit_type", sa.String(60), nullable=True),
        sa.Column("event_time", UTCDateTime(), nullable=False),
        sa.Column("time_source", sa.String(20), nullable=False),
        sa.Column("time_field", sa.String(100), nullable=True),
        sa.Column("offender", sa.String(320), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("domain", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("reporter", sa.String(320), nullable=True),
        sa.Column("report_id", sa.String(300), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("clause_ids", JSONDocument, nullable=False),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("classification_note", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("notify_customer_id", sa.Integer(), nullable=True),
        sa.Column("resolution_matched", sa.String(300), nullable=True),
        sa.Column("not_ours_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"],
                                name="fk_events_complaint_id_complaints"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_events_policy_version_id_policy_versions"),
        sa.UniqueConstraint("complaint_id", "sequence", name="uq_events_complaint_id_sequence"),
    )
    op.create_index("ix_events_complaint_id", "events", ["complaint_id"])
    op.create_index("ix_events_customer_time", "events", ["customer_id", "event_time"])
    op.create_index("ix_events_offender", "events", ["offender"])
    op.create_index("ix_events_event_time", "events", ["event_time"])


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
