"""Test databases: a SQLite file per test, or a PostgreSQL database cloned from a template.

PostgreSQL tests run when ``ABUSEDESK_TEST_POSTGRES_URL`` names a server (any database on
it; CI sets it, and ``scripts/test`` does when a server answers on 127.0.0.1:5432). A
template database is migrated once per test session and each test gets a fresh copy
(``CREATE DATABASE ... TEMPLATE``), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from abusedesk.adapters.db import migrate
from abusedesk.adapters.db.engine import create_database_engine

POSTGRES_ENV = "ABUSEDESK_TEST_POSTGRES_URL"
NO_POSTGRES_REASON = (f"no PostgreSQL server configured: run with {POSTGRES_ENV}="
                      "postgresql://postgres@127.0.0.1:5432/postgres (or another server), or "
                      "use scripts/test, which sets it when a server answers on 127.0.0.1:5432")


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url: str) -> psycopg.Connection:
    conninfo = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True)


class PostgresTemplates:
    """Creates the migrated template once, then hands out copies of it."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.template = f"abusedesk_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._ready = False

    def _ensure_template(self) -> None:
        if self._ready:
            return
        with _admin(self.server_url) as admin:
            admin.execute(f'CREATE DATABASE "{self.template}"')
        engine = create_database_engine(_with_database(self.server_url, self.template))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        self._ready = True

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, migrated database; yields its SQLAlchemy URL and drops it afterwards."""
        self._ensure_template()
        name = f"abusedesk_t_{uuid.uuid4().hex[:12]}"
        with _admin(self.server_url) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        try:
            yield _with_database(self.server_url, name)
        finally:
            with _admin(self.server_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def empty_database(self) -> Iterator[str]:
        """A fresh database with no schema at all (for migration tests)."""
        name = f"abusedesk_e_{uuid.uuid4().hex[:12]}"
        with _admin(self.server_url) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_database(self.server_url, name)
        finally:
            with _admin(self.server_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_template(self) -> None:
        if self._ready:
            with _admin(self.server_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
