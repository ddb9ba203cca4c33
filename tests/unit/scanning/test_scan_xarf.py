"""Scan reports are XARF v4 documents that the reference policy maps to content.7 and 8."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from abusedesk.domain.events import classify_pair
from abusedesk.parsers import parse_xarf_document
from abusedesk.policies.loader import load_builtin_policy
from abusedesk.scanning.findings import FindingKind
from abusedesk.scanning.scan import Scanner
from abusedesk.services.scan_xarf import xarf_report
from tests.unit.scanning.samples import CUSTOMER_DUMP

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_reports_classify_under_content_7_and_8() -> None:
    policy = load_builtin_policy()
    result = Scanner().scan("customers.csv", CUSTOMER_DUMP)
    raw = xarf_report(result, FindingKind.PRIVATE_DATA, asset="https://files.example.com/x.csv",
                      at=AT, reporter="abuse@provider.example")
    assert b"4556 7375" not in raw and b"jane.roe@" not in raw
    document = json.loads(raw)
    assert document["source_identifier"] == "files.example.com"
    (event,) = parse_xarf_document(raw, received_at=AT).events
    assert event.xarf_pair == "content/exposed_data"
    found = classify_pair(policy, event.category, event.type, rsit=event.rsit_type,
                          role=event.role)
    assert found.clause_ids == ("content.7",)
    malware = classify_pair(policy, "content", "malware", rsit=None, role=event.role)
    assert "content.8" in malware.clause_ids


def test_a_file_name_that_is_not_utf8_still_makes_a_report() -> None:
    name = "exports/kunden-\udcfc.csv"  # a Latin-1 file name as os.walk hands it over
    result = Scanner().scan(name, CUSTOMER_DUMP)
    raw = xarf_report(result, FindingKind.PRIVATE_DATA, asset="192.0.2.10", at=AT,
                      reporter="abuse@provider.example")
    assert json.loads(raw)["scanned_item"]["name"] == name
