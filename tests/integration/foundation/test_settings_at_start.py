"""Settings read late (the enforcement executors) are still checked when a process starts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import abusedesk


def test_a_webhook_executor_without_a_url_stops_the_worker_at_start(tmp_path: Path) -> None:
    database = tmp_path / "abusedesk.db"
    env = {"ABUSEDESK_DATABASE_URL": f"sqlite:///{database}",
           "ABUSEDESK_DATA_DIR": str(tmp_path),
           "ABUSEDESK_ENFORCEMENT_EXECUTORS": json.dumps(
               {"suspend": {"kind": "webhook", "secret": "a long enough shared secret"}})}
    result = abusedesk("worker", "--burst", env=env)
    assert result.code == 8, result.stderr  # ConfigurationError
    assert "ABUSEDESK_ENFORCEMENT_EXECUTORS['suspend']: a webhook needs a url" in result.stderr
    assert "job(s) run" not in result.stdout
    assert not database.exists()  # refused before the database was opened
