"""Bulk-email compliance: no-send lists, opt-in evidence requests, affiliates.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "no_send_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address_sha256", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(330), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_no_send_entries"),
        sa.UniqueConstraint("customer_id", "address_sha256",
                            name="uq_no_send_entries_customer_id_address_sha256"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_no_send_entries_customer_id_customers"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"],
                                name="fk_no_send_entries_complaint_id_complaints"),
    )
    op.create_table(
        "optin_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("address_sha256", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(330), nullable=False),
        sa.Column("clause_id", sa.String(60), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.String(320), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("overdue_at", UTCDateTime(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_optin_requests"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_optin_requests_customer_id_customers"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name="fk_optin_requests_case_id_cases"),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"],
                                name="fk_optin_requests_notice_id_notices"),
    )
    op.create_index("ix_optin_requests_open_due", "optin_requests",
                    ["answered_at", "overdue_at", "due_at"])
    op.create_index("ix_optin_requests_customer_id", "optin_requests", ["customer_id"])
    op.create_index("ix_optin_requests_case_id", "optin_requests", ["case_id"])
    op.create_table(
        "affiliates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("domains", JSONDocument, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_affiliates"),
        sa.UniqueConstraint("customer_id", "name", name="uq_affiliates_customer_id_name"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_affiliates_customer_id_customers"),
    )


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
