"""Migrations build the schema the models describe, on both engines."""

from __future__ import annotations

from sqlalchemy import inspect

from abusedesk.adapters.db import migrate
from abusedesk.adapters.db.engine import create_database_engine
from abusedesk.adapters.db.tables import metadata
from tests.support.cli import abusedesk


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert migrate.drift(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        if engine.dialect.name == "postgresql":
            assert "procrastinate_jobs" in tables
    finally:
        engine.dispose()


def test_drift_is_reported_when_a_model_gains_a_column(sqlite_url: str) -> None:
    from sqlalchemy import Column, String

    engine = create_database_engine(sqlite_url)
    migrate.upgrade(engine)
    table = metadata.tables["queue_pings"]
    extra = Column("unmigrated_note", String(10))
    table.append_column(extra)
    try:
        differences = migrate.drift(engine)
    finally:
        table._columns.remove(extra)  # leave the shared metadata as it was
        engine.dispose()
    assert any("unmigrated_note" in str(difference) for difference in differences)


def test_db_check_command_passes_on_a_fresh_clone_of_the_schema() -> None:
    result = abusedesk("db", "check")
    assert result.code == 0, result.stderr
    assert "models and migrations agree" in result.stdout


def test_db_upgrade_then_check_on_the_configured_database(database_url: str) -> None:
    env = {"ABUSEDESK_DATABASE_URL": database_url}
    upgraded = abusedesk("db", "upgrade", env=env)
    assert upgraded.code == 0, upgraded.stderr
    assert f"revision {migrate.head_revision()}" in upgraded.stdout
    checked = abusedesk("db", "check", "--configured", env=env)
    assert checked.code == 0, checked.stderr


def test_postgres_refuses_to_run_on_an_unmigrated_schema(postgres_templates) -> None:
    import pytest

    from tests.support.databases import NO_POSTGRES_REASON

    if postgres_templates is None:
        pytest.skip(NO_POSTGRES_REASON)
    with postgres_templates.empty_database() as url:
        result = abusedesk("policy", "show", env={"ABUSEDESK_DATABASE_URL": url})
    assert result.code == 8
    assert "abusedesk db upgrade" in result.stderr
