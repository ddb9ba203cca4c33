"""The commands as a user runs them: import, resolve, show, list, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abusedesk.services.customers import sample_text
from tests.support.cli import CliResult, abusedesk


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The settings of a user's installation, with the schema and built-in policy in place
    (PostgreSQL needs `db upgrade` once; SQLite does it on first use)."""
    settings = {"ABUSEDESK_DATABASE_URL": database_url,
                "ABUSEDESK_DATA_DIR": str(tmp_path / "data")}
    upgraded = abusedesk("db", "upgrade", env=settings)
    assert upgraded.code == 0, upgraded.stderr
    return settings


def run(env: dict[str, str], *args: str) -> CliResult:
    return abusedesk(*args, env=env)


def test_import_resolve_and_show_the_sample(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "customers.json"
    path.write_text(sample_text(), encoding="utf-8")
    first = run(env, "customers", "import", str(path))
    assert first.code == 0, first.stderr
    assert "7 created" in first.stdout
    again = run(env, "customers", "import", str(path))
    assert "0 created, 0 updated, 7 unchanged" in again.stdout

    before = run(env, "resolve", "198.51.100.7", "--at", "2026-01-15")
    after = run(env, "resolve", "198.51.100.7", "--at", "2026-02-15T08:00:00Z")
    assert "customer: C-1003 Old Harbour Books" in before.stdout
    assert "customer: C-1004 Quayside Analytics" in after.stdout
    partner = run(env, "resolve", "http://www.meadow.example.net/offer", "--at", "2026-03-01")
    assert "customer: P-2001-01 Meadow Florists" in partner.stdout
    assert "matched: domain meadow.example.net" in partner.stdout
    assert "notify: P-2001 Riverbank Cloud Resellers" in partner.stdout
    foreign = run(env, "resolve", "192.0.2.200")
    assert foreign.code == 0 and "not ours: 192.0.2.200 is in no prefix" in foreign.stdout
    garbage = run(env, "resolve", "not a thing")
    assert garbage.code == 2 and "not an IP address" in garbage.stderr

    shown = run(env, "customers", "show", "P-2001-01")
    assert shown.code == 0, shown.stderr
    assert "notices go to: P-2001 Riverbank Cloud Resellers" in shown.stdout
    assert "bound by policy reference-aup:2.1" in shown.stdout
    listed = run(env, "customers", "list", "--partner", "P-2001")
    assert "P-2001-01" in listed.stdout and "C-1001" not in listed.stdout
    missing = run(env, "customers", "show", "C-0000")
    assert missing.code == 4


def test_a_broken_csv_is_reported_by_line_and_changes_nothing(env: dict[str, str],
                                                              tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        "ref,name,kind,parent,rep_email,asset,from,until\n"
        "C-1,Good Ltd,customer,,abuse@example.com,192.0.2.0/25,2024-01-01,\n"
        "C-2,Bad Prefix Ltd,customer,,abuse@example.org,192.0.2.128/24,,\n"
        "C-3,Orphan Ltd,customer,P-404,,198.51.100.0/24,,\n"
        "C-4,Bad Window Ltd,customer,,abuse@example.net,203.0.113.0/24,2026-01-01,2025-01-01\n",
        encoding="utf-8")
    result = run(env, "customers", "import", str(path))
    assert result.code == 2
    assert "line 3 (customer C-2)" in result.stdout and "did you mean 192.0.2.0/24" in result.stdout
    assert "line 4 (customer C-3)" in result.stdout and "P-404" in result.stdout
    assert "line 5 (customer C-4)" in result.stdout
    assert "nothing was imported" in result.stderr
    exported = json.loads(run(env, "customers", "export").stdout)
    assert exported["customers"] == []
    partial = run(env, "customers", "import", "--partial", str(path))
    assert partial.code == 0 and "1 created" in partial.stdout
    exported = json.loads(run(env, "customers", "export").stdout)
    assert [c["ref"] for c in exported["customers"]] == ["C-1"]


def test_export_writes_csv_that_imports_back(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "customers", "import", "--sample").code == 0
    out = tmp_path / "export.csv"
    assert run(env, "customers", "export", "--format", "csv", "-o", str(out)).code == 0
    assert out.read_text().startswith("ref,name,kind,parent")
    back = run(env, "customers", "import", str(out))
    assert back.code == 0 and "0 updated" in back.stdout and "0 added, 0 changed" in back.stdout


def test_listings_into_a_pipe_keep_each_row_on_one_line(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    # Wider than 80 columns: the row must still be one line, for grep, cut and awk.
    path = tmp_path / "customers.json"
    path.write_text(sample_text(), encoding="utf-8")
    assert run(env, "customers", "import", str(path)).code == 0
    long_name = "Northwind Widgets and Assorted Mechanical Contraptions Holding Ltd"
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        "ref,name,kind,parent,rep_email,asset,from,until\n"
        f"C-1001,{long_name},customer,,abuse@example.com,192.0.2.0/25,2024-01-01,\n",
        encoding="utf-8")
    assert run(env, "customers", "import", "--partial", str(renamed)).code == 0
    listed = run(env, "customers", "list")
    assert listed.code == 0, listed.stderr
    rows = {line.split()[1]: line for line in listed.stdout.splitlines()
            if len(line.split()) > 1 and line.split()[1].startswith(("C-", "P-"))}
    assert long_name in rows["C-1001"] and "abuse@example.com" in rows["C-1001"], listed.stdout
    assert "soc@blue-lantern.example.com" in rows["C-1002"], listed.stdout
