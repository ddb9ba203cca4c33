"""``abusedesk blocklists sweep`` and ``status`` over customer assets, as a user runs them
(SQLite and PostgreSQL): a dry look stores nothing; a recorded sweep opens cases and
``status`` shows the listings with their cases and history."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.blocklists import world
from tests.support.cli import CliResult, abusedesk
from tests.support.rbldnsd import Rbldnsd


@pytest.fixture
def env(database_url: str, tmp_path: Path, world_server: Rbldnsd) -> dict[str, str]:
    """An installation whose zones point at the test rbldnsd, with the world's customers."""
    zones_file = tmp_path / "zones.toml"
    zones_file.write_text(world.zones_toml(world_server.address), encoding="utf-8")
    settings = {"ABUSEDESK_DATABASE_URL": database_url,
                "ABUSEDESK_DATA_DIR": str(tmp_path / "data"),
                "ABUSEDESK_BLOCKLIST_ZONES_FILE": str(zones_file),
                "ABUSEDESK_MAIL_FROM": world.PROVIDER_FROM}
    assert abusedesk("db", "upgrade", env=settings).code == 0
    customers = tmp_path / "customers.json"
    customers.write_text(json.dumps(world.CUSTOMERS), encoding="utf-8")
    imported = abusedesk("customers", "import", str(customers), env=settings)
    assert imported.code == 0, imported.stderr
    return settings


def run(env: dict[str, str], *args: str) -> CliResult:
    return abusedesk("blocklists", *args, env=env)


def test_a_dry_look_shows_listings_and_stores_nothing(env: dict[str, str]) -> None:
    dry = run(env, "sweep", "--no-record", "--zone", "ips", "--zone", "names")
    assert dry.code == 10, dry.stderr
    # Two /25s, a /24 merged from two /25s, and a domain: 512 addresses and one name.
    assert "4 target(s), 513 lookups" in dry.stdout
    assert "left out: 1 customer asset(s): ipv6 prefixes: no zone in use lists ipv6" \
        in dry.stdout
    assert "192.0.2.10" in dry.stdout and "harbour.example" in dry.stdout
    assert "recorded as sweep" not in dry.stdout
    status = run(env, "status")
    assert status.code == 0, status.stderr
    assert "listed now: nothing" in status.stdout and "sweep " not in status.stdout


def test_a_recorded_sweep_opens_cases_and_status_shows_them(env: dict[str, str]) -> None:
    swept = run(env, "sweep")
    assert swept.code == 10, swept.stderr
    assert "new-listing" in swept.stdout and "recorded as sweep 1: new-listing 5" in swept.stdout
    assert "refusing" in swept.stdout and "failing" in swept.stdout
    references = set(re.findall(r"AD-\d{4}-\d{6}", swept.stdout))
    assert len(references) == 4  # 203.0.113.200 is on two lists: one case

    status = run(env, "status")
    assert status.code == 0, status.stderr
    for entry in ("192.0.2.10", "203.0.113.200", "2001:db8:100:7::", "harbour.example"):
        assert entry in status.stdout
    assert set(re.findall(r"AD-\d{4}-\d{6}", status.stdout)) == references
    assert "XBL: exploited host" in status.stdout
    assert "sweep 1 (cli, customers)" in status.stdout

    one = run(env, "status", "192.0.2.0/25")
    assert one.code == 0, one.stderr
    assert "history" in one.stdout and "new-listing" in one.stdout
    assert "203.0.113.200" not in one.stdout

    again = run(env, "sweep", "--no-progress")
    assert again.code == 10, again.stderr
    assert "recorded as sweep 2: still-listed 5" in again.stdout
    assert "listing changes" not in again.stdout
