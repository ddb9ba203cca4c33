"""Alembic environment: runs on the connection handed over by ``abusedesk.adapters.db.migrate``."""

from __future__ import annotations

from alembic import context

from abusedesk.adapters.db.migrate import include_name
from abusedesk.adapters.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
