"""Fixtures shared by every test: the shared corpus, databases on both engines, containers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.clock import FrozenClock
from tests.support.databases import NO_POSTGRES_REASON, PostgresTemplates, postgres_server_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = PROJECT_ROOT.parent / "shared" / "corpus"
SEED_DIR = PROJECT_ROOT.parent / "shared" / "seeds"

#: A fixed "now" for tests that do not care about the date.
TEST_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS_DIR}")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates | None]:
    url = postgres_server_url()
    if url is None:
        yield None
        return
    templates = PostgresTemplates(url)
    yield templates
    templates.drop_template()


@pytest.fixture
def postgres_url(postgres_templates: PostgresTemplates | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test."""
    if postgres_templates is None:
        pytest.skip(NO_POSTGRES_REASON)
    with postgres_templates.database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'abusedesk.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'abusedesk.db'}"
        return
    templates = request.getfixturevalue("postgres_templates")
    if templates is None:
        pytest.skip(NO_POSTGRES_REASON)
    with templates.database() as url:
        yield url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TEST_NOW)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    """A wired container on a migrated database holding the built-in policy."""
    built = build_container(settings, clock=clock)
    prepare_database(built)
    yield built
    built.close()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own abusedesk settings or data directory."""
    import os

    for name in list(os.environ):
        if name.startswith("ABUSEDESK_") and not name.startswith("ABUSEDESK_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
