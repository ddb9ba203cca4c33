"""Foundation: policy versions, the embedded job queue, queue pings, procrastinate's schema.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("policy_key", sa.String(100), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=True),
        sa.Column("effective_at", UTCDateTime(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_policy_versions"),
        sa.UniqueConstraint("policy_key", "version", name="uq_policy_versions_policy_key_version"),
    )
    op.create_index("ix_policy_versions_effective", "policy_versions",
                    ["policy_key", "effective_at"])

    op.create_table(
        "embedded_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_name", sa.String(100), nullable=False),
        sa.Column("args", JSONDocument, nullable=False),
        sa.Column("lock", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_embedded_jobs"),
    )
    op.create_index("ix_embedded_jobs_due", "embedded_jobs", ["status", "run_at"])

    op.create_table(
        "queue_pings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(100), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queue_pings"),
    )
    op.create_index("ix_queue_pings_token", "queue_pings", ["token"])

    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # psycopg reads % as a placeholder marker; procrastinate escapes it the same way.
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
