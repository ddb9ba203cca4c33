"""The JSON and CSV import formats: what is read, and errors named by line."""

from __future__ import annotations

import json

import pytest

from abusedesk.domain.customers import AssetKind, CustomerKind
from abusedesk.domain.errors import InvalidInput
from abusedesk.services.customers_files import read_customers

JSON_TEXT = """{
  "format": "abusedesk-customers/1",
  "customers": [
    {
      "ref": "C-1", "name": "Good Ltd",
      "representative": {"email": "abuse@example.com"},
      "assets": [
        "192.0.2.0/25",
        {"value": "AS64500"},
        {"kind": "hostname", "value": "WWW.Example.com", "from": "2025-01-01"}
      ]
    },
    {
      "ref": "C-2", "name": "Broken Ltd",
      "assets": [
        {"value": "192.0.2.0/25"},
        {"value": "192.0.2.300/25"}
      ]
    },
    {"ref": "C-3", "name": "Typo Ltd", "kinds": "partner"}
  ]
}
"""


def test_json_records_are_read_and_errors_name_their_lines() -> None:
    records, errors = read_customers(JSON_TEXT, "json")
    assert [r.ref for r in records] == ["C-1"]
    good = records[0]
    assert [(a.kind, a.value, a.line) for a in good.assets] == [
        (AssetKind.PREFIX, "192.0.2.0/25", 8), (AssetKind.ASN, "AS64500", 9),
        (AssetKind.HOSTNAME, "www.example.com", 10)]
    assert good.given == {"representative", "assets"}
    lines = JSON_TEXT.splitlines()
    assert [(e.line, e.ref) for e in errors] == [
        (next(i for i, t in enumerate(lines, 1) if "192.0.2.300" in t), "C-2"),
        (next(i for i, t in enumerate(lines, 1) if "Typo" in t), "C-3")]
    assert "kinds" in errors[1].message


@pytest.mark.parametrize(("text", "message"), [
    ('{"customers": [ {"ref": "C-1", }', "line 1"),
    ('[]', "expected an object"),
    ('{"format": "other/9", "customers": []}', "format must be"),
    ('{"people": []}', '"customers" array'),
])
def test_unreadable_json_is_refused_whole(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_customers(text, "json")


def test_deeply_nested_json_is_refused_not_crashed() -> None:
    nested = "[" * 100_000 + "]" * 100_000
    text = '{"customers": [{"ref": "C-1", "name": "x", "agreement": ' + nested + "}]}"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        read_customers(text, "json")


CSV_TEXT = """ref,name,kind,parent,rep_email,asset,from,until
P-1,Partner Ltd,partner,,abuse@example.net,203.0.113.0/24,2022-01-01,
P-1,,,,,example.net,,
C-1,Child Ltd,customer,P-1,,203.0.113.64/27,2025-05-01,
C-2,Bad Ltd,customer,,abuse@example.org,203.0.113.0/33,,
C-3,Clash Ltd,customer,,abuse@example.org,192.0.2.0/24,,
C-3,Clash Ltd,partner,,,192.0.2.128/25,,
"""


def test_csv_lines_group_into_customers_and_bad_lines_are_named() -> None:
    records, errors = read_customers(CSV_TEXT, "csv")
    by_ref = {r.ref: r for r in records}
    assert set(by_ref) == {"P-1", "C-1"}
    assert by_ref["P-1"].kind is CustomerKind.PARTNER
    assert [a.value for a in by_ref["P-1"].assets] == ["203.0.113.0/24", "example.net"]
    assert by_ref["C-1"].parent == "P-1"
    assert [(e.line, e.ref) for e in errors] == [(5, "C-2"), (7, "C-3")]
    assert "differs from line 6" in errors[1].message


def test_csv_needs_its_key_columns() -> None:
    with pytest.raises(InvalidInput, match="missing column"):
        read_customers("name,asset\nx,192.0.2.0/24\n", "csv")
    with pytest.raises(InvalidInput, match="unknown column"):
        read_customers("ref,name,colour\nC-1,x,red\n", "csv")


def test_a_json_export_shape_reads_back() -> None:
    document = {"format": "abusedesk-customers/1", "customers": [{
        "ref": "C-9", "name": "N", "kind": "customer", "parent": None,
        "representative": {"email": "a@example.com"}, "carriers": ["zayo"],
        "agreement": {"resale_allowed": False, "clauses": {"conduct.3e": {"deadline": "PT72H"}}},
        "consents": [{"kind": "scanning", "scope": ["192.0.2.0/24"], "from": "2026-01-01",
                      "granted_by": "CISO"}],
        "assets": [{"kind": "prefix", "value": "192.0.2.0/24", "until": "2026-01-01T12:00:00Z"}]}]}
    records, errors = read_customers(json.dumps(document), "json")
    assert errors == []
    assert records[0].agreement.clauses[0].clause_id == "conduct.3e"
    assert records[0].consents[0].valid_until is None
