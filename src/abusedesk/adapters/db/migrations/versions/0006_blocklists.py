"""Blocklists: listing state per zone and entry, its changes (clause 3e), and the sweeps.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abusedesk.adapters.db.tables.base import JSONDocument, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_RUNNING = "status = 'running'"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "blocklist_sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("targets", sa.Integer(), nullable=False),
        sa.Column("queries", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("changes", JSONDocument, nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_sweeps"),
    )
    # One running sweep at most: the lock that serialises sweeps across processes.
    op.create_index("uq_blocklist_sweeps_running", "blocklist_sweeps", ["status"], unique=True,
                    sqlite_where=sa.text(_RUNNING), postgresql_where=sa.text(_RUNNING))
    op.create_index("ix_blocklist_sweeps_started_at", "blocklist_sweeps", ["scope", "started_at"])

    op.create_table(
        "blocklist_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(63), nullable=False),
        sa.Column("entry", sa.String(253), nullable=False),
        sa.Column("asset", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("codes", JSONDocument, nullable=False),
        sa.Column("meanings", JSONDocument, nullable=False),
        sa.Column("txt", JSONDocument, nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("first_listed_at", UTCDateTime(), nullable=False),
        sa.Column("listed_since", UTCDateTime(), nullable=True),
        sa.Column("delisted_at", UTCDateTime(), nullable=True),
        sa.Column("last_checked_at", UTCDateTime(), nullable=False),
        sa.Column("listings", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_listings"),
        sa.UniqueConstraint("zone", "entry", name="uq_blocklist_listings_zone_entry"),
        _fk("blocklist_listings", "complaint_id", "complaints"),
        _fk("blocklist_listings", "case_id", "cases"),
    )
    op.create_index("ix_blocklist_listings_entry", "blocklist_listings", ["entry"])
    op.create_index("ix_blocklist_listings_status", "blocklist_listings", ["status"])

    op.create_table(
        "blocklist_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=True),
        sa.Column("transition", sa.String(20), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("codes", JSONDocument, nullable=False),
        sa.Column("meanings", JSONDocument, nullable=False),
        sa.Column("txt", JSONDocument, nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("prior_case_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_blocklist_changes"),
        _fk("blocklist_changes", "listing_id", "blocklist_listings"),
        _fk("blocklist_changes", "sweep_id", "blocklist_sweeps"),
        _fk("blocklist_changes", "complaint_id", "complaints"),
        _fk("blocklist_changes", "prior_case_id", "cases"),
        _fk("blocklist_changes", "case_id", "cases"),
    )
    op.create_index("ix_blocklist_changes_listing_id", "blocklist_changes", ["listing_id", "id"])
    op.create_index("ix_blocklist_changes_applied_at", "blocklist_changes", ["applied_at", "id"])


def downgrade() -> None:
    raise NotImplementedError("abusedesk migrations are forward-only; restore a backup instead")
