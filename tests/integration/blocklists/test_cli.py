"""``abusedesk blocklists check`` and ``sweep`` run as a user would, against rbldnsd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.blocklists.conftest import SET_LISTINGS, SET_RANGE
from tests.support.cli import abusedesk
from tests.support.rbldnsd import Rbldnsd

ZONES_TOML = """
[defaults]
resolver = "{resolver}"
rate_limit = 0
concurrency = 64
timeout = 1.0

[[zones]]
name = "set"
domain = "set.bl.test"
kinds = ["ipv4"]
[zones.codes]
"127.0.0.2" = "SBL: spam source"
"127.0.0.4" = "XBL: exploited host"

[[zones]]
name = "names"
domain = "names.bl.test"
kinds = ["domain"]
[zones.codes]
"127.0.1.2" = "DBL: spam domain"

[[zones]]
name = "refusing"
domain = "refusing.bl.test"
kinds = ["ipv4"]
[zones.errors]
"127.255.255.254" = "query refused: public resolver"
"""


@pytest.fixture
def zones_file(rbldnsd_server: Rbldnsd, tmp_path: Path) -> Path:
    path = tmp_path / "zones.toml"
    path.write_text(ZONES_TOML.format(resolver=rbldnsd_server.address), encoding="utf-8")
    return path


def test_check_listed_address_exits_10_and_shows_meaning_and_txt(zones_file: Path) -> None:
    run = abusedesk("blocklists", "check", "192.0.2.10", "--zones-file", str(zones_file),
                    "--zone", "set")
    assert run.code == 10, run.stderr
    assert "listed" in run.stdout
    assert "127.0.0.4 XBL: exploited host" in run.stdout
    assert "Exploited host 192.0.2.10" in run.stdout


def test_check_clean_domain_exits_0(zones_file: Path) -> None:
    run = abusedesk("blocklists", "check", "clean.example", "--zones-file", str(zones_file))
    assert run.code == 0, run.stdout + run.stderr
    assert "not-listed" in run.stdout


def test_check_through_a_refusing_list_exits_11_and_says_why(zones_file: Path) -> None:
    run = abusedesk("blocklists", "check", "192.0.2.99", "--zones-file", str(zones_file), "--json")
    assert run.code == 11, run.stderr
    report = json.loads(run.stdout)
    assert report["health"]["refusing"]["status"] == "failing"
    by_zone = {result["zone"]: result for result in report["results"]}
    assert by_zone["set"]["outcome"] == "not-listed"
    assert by_zone["refusing"]["outcome"] == "error"
    assert by_zone["refusing"]["error"] == "zone-unhealthy"
    assert "127.255.255.254" in by_zone["refusing"]["detail"]


def test_check_refuses_bad_input_with_exit_2(zones_file: Path) -> None:
    run = abusedesk("blocklists", "check", "300.1.2.3", "--zones-file", str(zones_file))
    assert run.code == 2
    assert "not an IP address" in run.stderr


def test_sweep_from_file_writes_every_result_and_a_summary(
    zones_file: Path, tmp_path: Path
) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("# customer 1\n192.0.2.0/24\n198.51.100.0/26\nspam.example\n"
                       "not a target!\n", encoding="utf-8")
    output = tmp_path / "results.jsonl"
    run = abusedesk("blocklists", "sweep", "--file", str(targets), "--zones-file", str(zones_file),
                    "--zone", "set", "--zone", "names", "--output", str(output))
    assert run.code == 10, run.stderr
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 256 + 64 + 1
    listed = {(line["zone"], line["entry"]) for line in lines if line["outcome"] == "listed"}
    expected = {("set", address) for address in [*SET_LISTINGS, *SET_RANGE]}
    assert listed == expected | {("names", "spam.example")}
    assert "321 lookups" in run.stdout
    assert "not swept: not a target!" in run.stdout
    summary = f"{len(expected) + 1} listing(s), 0 failed lookup(s), 1 target(s) not swept"
    assert summary in run.stdout


def test_sweep_without_targets_and_without_customers_has_nothing_to_do(
        zones_file: Path) -> None:
    run = abusedesk("blocklists", "sweep", "--zones-file", str(zones_file))
    assert run.code == 0, run.stderr
    assert "nothing to sweep (import customers, or name targets)" in run.stdout


def test_sweep_of_an_empty_targets_file_is_an_input_error(zones_file: Path,
                                                          tmp_path: Path) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("# nothing yet\n", encoding="utf-8")
    run = abusedesk("blocklists", "sweep", "--file", str(targets), "--zones-file",
                    str(zones_file))
    assert run.code == 2
    assert "no target" in run.stderr


def test_zones_lists_the_builtin_list() -> None:
    run = abusedesk("blocklists", "zones")
    assert run.code == 0, run.stderr
    assert "zen.spamhaus.org" in run.stdout and "dbl.spamhaus.org" in run.stdout
