"""Customers: the hierarchy, assets with validity windows, agreements, consents, carriers,
the resolution change stamp, and policy notices.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("rep_name", sa.String(500), nullable=True),
        sa.Column("rep_email", sa.String(320), nullable=True),
        sa.Column("rep_phone", sa.String(100), nullable=True),
        sa.Column("rep_verified_at", UTCDateTime(), nullable=True),
        sa.Column("resale_allowed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("ref", name="uq_customers_ref"),
        sa.ForeignKeyConstraint(["parent_id"], ["customers.id"],
                                name="fk_customers_parent_id_customers"),
    )
    op.create_index("ix_customers_parent_id", "customers", ["parent_id"])

    op.create_table(
        "customer_carriers",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "carrier_id", name="pk_customer_carriers"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_carriers_customer_id_customers"),
    )

    op.create_table(
        "customer_clause_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.String(100), nullable=False),
        sa.Column("deadline", sa.String(50), nullable=True),
        sa.Column("ladder", JSONDocument, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customer_clause_terms"),
        sa.UniqueConstraint("customer_id", "clause_id",
                            name="uq_customer_clause_terms_customer_id_clause_id"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_clause_terms_customer_id_customers"),
    )

    op.create_table(
        "customer_consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("scope", JSONDocument, nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("granted_by", sa.String(500), nullable=False),
        sa.Column("document", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customer_consents"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_consents_customer_id_customers"),
    )
    op.create_index("ix_customer_consents_customer", "customer_consents", ["customer_id", "kind"])

    op.create_table(
        "customer_assets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_assets"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_assets_customer_id_customers"),
    )
    op.create_index("ix_customer_assets_value", "customer_assets", ["kind", "value"])
    op.create_index("ix_customer_assets_customer", "customer_assets", ["customer_id"])

    stamps = op.create_table(
        "resolution_stamps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_resolution_stamps"),
    )
    op.bulk_insert(stamps, [{"id": 1, "version": 0, "changed_at": datetime.now(UTC)}])

    op.create_table(
        "policy_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("noticed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_notices"),
        sa.UniqueConstraint("policy_version_id", "customer_id",
                            name="uq_policy_notices_policy_version_id_customer_id"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_policy_notices_policy_version_id_policy_versions"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_policy_notices_customer_id_customers"),
    )
    op.create_index("ix_policy_notices_customer", "policy_notices", ["customer_id"])


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
