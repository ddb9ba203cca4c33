"""``abusedesk scan`` as a user runs it: masked findings, and cases under content.7/content.8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abusedesk.sample import __file__ as sample_init
from tests.support.cli import abusedesk
from tests.unit.scanning.samples import CUSTOMER_DUMP, EICAR, zipped

pytestmark = pytest.mark.slow

SAMPLE_CUSTOMERS = Path(sample_init).parent / "customers.json"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path / "data"), "ABUSEDESK_SECRET_KEY": "c" * 40,
           "ABUSEDESK_RELAY_PORT": "9", "ABUSEDESK_MAIL_FROM": "abuse@provider.example"}
    imported = abusedesk("customers", "import", str(SAMPLE_CUSTOMERS), env=env)
    assert imported.code == 0, imported.stderr
    return env


def test_scan_prints_masked_findings_only(tmp_path: Path) -> None:
    dump = tmp_path / "customers.csv"
    dump.write_bytes(CUSTOMER_DUMP)
    result = abusedesk("scan", str(dump), "--json", env={"ABUSEDESK_DATA_DIR": str(tmp_path)})
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    detectors = [f["detector"] for f in document["inputs"][0]["findings"]]
    assert detectors.count("credit-card") == 3
    for full in ("4556 7375 8950 1235", "4556737589501235", "349876543210986",
                 "jane.roe@example.com"):
        assert full not in result.stdout
    assert not (tmp_path / "abusedesk.db").exists()  # a plain scan needs no installation


def test_card_numbers_open_a_content_7_case(env: dict[str, str], tmp_path: Path) -> None:
    dump = tmp_path / "customers.csv"
    dump.write_bytes(CUSTOMER_DUMP)
    result = abusedesk("scan", str(dump), "--customer", "C-1001", "--at", "2026-03-02T10:00:00Z",
                       "--open-cases", "--json", env=env)
    assert result.code == 0, result.stderr
    (complaint,) = json.loads(result.stdout)["complaints"]
    assert complaint["status"] == "processed" and complaint["kind"] == "private-data"
    assert [case["clause"] for case in complaint["cases"]] == ["content.7"]
    reference = complaint["cases"][0]["reference"]
    shown = abusedesk("cases", "show", reference, env=env)
    assert "Northwind Widgets Ltd" in shown.stdout and "content/exposed_data" in shown.stdout
    again = abusedesk("scan", str(dump), "--customer", "C-1001", "--open-cases", "--json",
                      env=env)
    (repeat,) = json.loads(again.stdout)["complaints"]
    assert repeat["duplicate_of"] == complaint["complaint_id"]
    assert [c["reference"] for c in repeat["cases"]] == [reference]


def test_eicar_opens_a_content_8_case(env: dict[str, str], tmp_path: Path) -> None:
    archive = tmp_path / "site-backup.zip"
    archive.write_bytes(zipped({"htdocs/download/tool.exe": EICAR}))
    result = abusedesk("scan", str(archive), "--asset", "192.0.2.10", "--at",
                       "2026-03-02T10:00:00Z", "--open-cases", env=env)
    assert result.code == 0, result.stderr
    assert "EICAR_Test_File" in result.stdout
    assert "content.8 Viruses" in result.stdout


def test_open_cases_needs_an_asset(tmp_path: Path) -> None:
    dump = tmp_path / "customers.csv"
    dump.write_bytes(CUSTOMER_DUMP)
    result = abusedesk("scan", str(dump), "--open-cases",
                       env={"ABUSEDESK_DATA_DIR": str(tmp_path / "d")})
    assert result.code == 2 and "--asset VALUE or --customer REF" in result.stderr
