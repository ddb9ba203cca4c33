"""Schema migrations (Alembic) run from code: upgrade, current revision, drift check.

There is no alembic.ini: the configuration is built here, and the migration environment
runs on the connection we hand it. procrastinate's tables (PostgreSQL only) are created by
the first migration from procrastinate's own schema file and are left out of drift checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from abusedesk.adapters.db.tables import metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Leave tables we do not model (procrastinate's) out of autogenerate and checks."""
    if type_ == "table" and name is not None:
        return not name.startswith(FOREIGN_TABLE_PREFIXES)
    return True


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` to ``revision`` (default: the latest)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the schema of the database at ``engine``."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_name": include_name},
        )
        return list(compare_metadata(context, metadata))
