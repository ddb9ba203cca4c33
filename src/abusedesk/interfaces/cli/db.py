"""``abusedesk db``: schema upgrade, drift check, current revision."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from sqlalchemy import Engine

from abusedesk.adapters.db import migrate
from abusedesk.adapters.db.engine import create_database_engine
from abusedesk.bootstrap import prepare_database
from abusedesk.domain.errors import ConfigurationError
from abusedesk.interfaces.cli.context import console, container_for_command

db_app = typer.Typer(help="Database schema: upgrade, check, current revision.",
                     no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the database to the latest schema; install the built-in policy if none is stored."""
    with container_for_command(prepare=False) as container:
        done = prepare_database(container)
        revision = migrate.current_revision(container.engine)
    for line in done or ["nothing to do"]:
        console.print(line)
    console.print(f"database at revision {revision}")


@db_app.command("check")
def check(
    configured: bool = typer.Option(
        False, "--configured",
        help="Compare the configured database instead of a fresh scratch database."),
) -> None:
    """Fail when the models and the migrations disagree.

    By default the migrations are applied to a scratch SQLite database and compared with
    the models; ``--configured`` compares the configured database (which must be at the
    latest revision).
    """
    if configured:
        with container_for_command(prepare=False) as container:
            _check(container.engine)
        return
    with tempfile.TemporaryDirectory(prefix="abusedesk-check-") as scratch:
        engine = create_database_engine(f"sqlite:///{Path(scratch) / 'check.db'}")
        try:
            migrate.upgrade(engine)
            _check(engine)
        finally:
            engine.dispose()


def _check(engine: Engine) -> None:
    revision = migrate.current_revision(engine)
    if revision != migrate.head_revision():
        raise ConfigurationError(
            f"database is at revision {revision or 'none'}, not {migrate.head_revision()}: "
            "run `abusedesk db upgrade`")
    differences = migrate.drift(engine)
    if differences:
        for difference in differences:
            console.print(f"  {difference}")
        raise ConfigurationError(
            f"{len(differences)} difference(s) between the models and the migrations: "
            "write a migration")
    console.print(f"models and migrations agree (revision {revision}, {engine.dialect.name})")


@db_app.command("current")
def current() -> None:
    """Print the schema revision of the configured database and the latest one."""
    with container_for_command(prepare=False) as container:
        revision = migrate.current_revision(container.engine)
        console.print(f"database: {container.engine.url.render_as_string(hide_password=True)}")
    console.print(f"revision: {revision or 'none'} (latest {migrate.head_revision()})")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
