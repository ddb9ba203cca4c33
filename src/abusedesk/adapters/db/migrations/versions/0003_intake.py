"""Intake: raw complaint bytes by SHA-256, and one complaint record per arrival.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ORIGINAL = "duplicate_of_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "raw_messages",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_raw_messages"),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("envelope_from", sa.String(512), nullable=True),
        sa.Column("envelope_to", JSONDocument, nullable=False),
        sa.Column("peer", sa.String(100), nullable=True),
        sa.Column("helo", sa.String(255), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("sender", sa.String(320), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("dedup_key", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("format", sa.String(50), nullable=True),
        sa.Column("reporter", sa.String(320), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("warnings", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        sa.ForeignKeyConstraint(["sha256"], ["raw_messages.sha256"],
                                name="fk_complaints_sha256_raw_messages"),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["complaints.id"],
                                name="fk_complaints_duplicate_of_id_complaints"),
    )
    op.create_index("uq_complaints_original_sha256", "complaints", ["sha256"], unique=True,
                    sqlite_where=sa.text(_ORIGINAL), postgresql_where=sa.text(_ORIGINAL))
    op.create_index("uq_complaints_original_dedup_key", "complaints", ["dedup_key"], unique=True,
                    sqlite_where=sa.text(_ORIGINAL), postgresql_where=sa.text(_ORIGINAL))
    op.create_index("ix_complaints_sha256", "complaints", ["sha256"])
    op.create_index("ix_complaints_dedup_key", "complaints", ["dedup_key"])
    op.create_index("ix_complaints_status", "complaints", ["status", "id"])
    op.create_index("ix_complaints_received_at", "complaints", ["received_at"])


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
