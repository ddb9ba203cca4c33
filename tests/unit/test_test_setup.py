"""How the PostgreSQL tests are enabled is said where a developer looks: README, skip reason."""

from __future__ import annotations

from pathlib import Path

from tests.support.databases import NO_POSTGRES_REASON, POSTGRES_ENV

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_skip_reason_says_how_to_enable_the_postgres_tests() -> None:
    assert f"{POSTGRES_ENV}=postgresql://" in NO_POSTGRES_REASON
    assert "scripts/test" in NO_POSTGRES_REASON


def test_the_readme_says_plain_pytest_needs_the_variable() -> None:
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("The PostgreSQL tests run"):].split("\n\n")[0]
    assert POSTGRES_ENV in paragraph and "scripts/test" in paragraph
    assert "Plain `pytest`" in paragraph and "skipped" in paragraph
