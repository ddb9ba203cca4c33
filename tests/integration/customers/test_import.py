"""Importing customers: the sample set, re-imports, history, broken files, --partial."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from abusedesk.bootstrap import Container
from abusedesk.services.customers import sample_text


def sample() -> dict:
    return json.loads(sample_text())


def customer(document: dict, ref: str) -> dict:
    return next(c for c in document["customers"] if c["ref"] == ref)


def test_the_sample_imports_and_a_reimport_changes_nothing(container: Container) -> None:
    first = container.customers.import_sample()
    refs = [c["ref"] for c in sample()["customers"]]
    assert first.applied and first.errors == []
    assert sorted(first.created) == sorted(refs)
    assert first.assets_added == sum(len(c["assets"]) for c in sample()["customers"])
    exported = container.customers.export()
    again = container.customers.import_sample()
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == sorted(refs)
    assert (again.assets_added, again.assets_changed, again.moves, again.released) == (0, 0, [], [])
    assert container.customers.export() == exported


def test_an_export_imports_back_unchanged_and_into_a_new_database(container: Container,
                                                                  tmp_path) -> None:
    from abusedesk.bootstrap import build_container, prepare_database
    from abusedesk.config import Settings

    container.customers.import_sample()
    exported = container.customers.export()
    report = container.customers.import_text(exported, fmt="json")
    assert report.updated == [] and report.assets_added == 0 and report.assets_changed == 0

    other = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'copy.db'}",
                                     data_dir=tmp_path / "copy"), clock=container.clock)
    prepare_database(other)
    try:
        copied = other.customers.import_text(exported, fmt="json")
        assert copied.errors == []
        assert other.customers.export() == exported
        csv_copy = other.customers.export("csv")
        assert other.customers.import_text(csv_copy, fmt="csv").updated == []
    finally:
        other.close()


def test_a_broken_file_changes_nothing_and_names_every_bad_line(container: Container) -> None:
    container.customers.import_sample()
    before = container.customers.export()
    document = sample()
    customer(document, "C-1001")["name"] = "Northwind Widgets Renamed"
    customer(document, "C-1002")["assets"].append({"value": "198.51.100.300/25"})
    customer(document, "C-1003")["carriers"] = ["no-such-carrier"]
    customer(document, "P-2001-01")["parent"] = "P-9999"
    text = json.dumps(document, indent=2)
    report = container.customers.import_text(text, fmt="json")
    assert not report.applied
    lines = text.splitlines()
    # A line number names the line where the JSON object of the asset or customer opens.
    bad_asset = next(i for i, t in enumerate(lines, 1) if "198.51.100.300" in t) - 1
    assert (bad_asset, "C-1002") in [(e.line, e.ref) for e in report.errors]
    assert sorted(report.rejected_refs) == ["C-1002", "C-1003", "P-2001-01"]
    assert any("no-such-carrier" in e.message for e in report.errors)
    assert any("P-9999" in e.message for e in report.errors)
    for error in report.errors:
        assert lines[error.line - 1].strip() == "{"
        assert error.ref in lines[error.line] or "198.51.100.300" in lines[error.line]
    assert container.customers.export() == before


def test_partial_imports_the_good_records_only(container: Container) -> None:
    container.customers.import_sample()
    document = sample()
    customer(document, "C-1001")["name"] = "Northwind Widgets Renamed"
    customer(document, "P-2001")["kind"] = "cusomer"
    report = container.customers.import_text(json.dumps(document), fmt="json", partial=True)
    assert report.applied
    assert report.updated == ["C-1001"]
    assert report.rejected_refs == ["P-2001"]
    assert container.customers.get("C-1001").name == "Northwind Widgets Renamed"
    assert container.customers.get("P-2001").kind.value == "partner"


def test_a_rejected_partner_takes_its_new_customers_with_it(container: Container) -> None:
    document = {"format": "abusedesk-customers/1", "customers": [
        {"ref": "P-1", "name": "Partner", "kind": "partner", "carriers": ["nowhere"],
         "representative": {"email": "abuse@example.net"}},
        {"ref": "P-1-1", "name": "Child", "parent": "P-1"},
        {"ref": "C-1", "name": "Direct", "representative": {"email": "abuse@example.com"}},
    ]}
    report = container.customers.import_text(json.dumps(document), fmt="json", partial=True)
    assert report.rejected_refs == ["P-1", "P-1-1"]
    assert report.created == ["C-1"]


def test_a_reimport_with_a_moved_block_keeps_the_history(container: Container) -> None:
    container.customers.import_sample()
    document = sample()
    # The provider's records now say C-1001's 192.0.2.0/25 went to C-1004 on 2026-02-15.
    customer(document, "C-1001")["assets"] = [
        a for a in customer(document, "C-1001")["assets"] if a["value"] != "192.0.2.0/25"]
    customer(document, "C-1004")["assets"].append(
        {"kind": "prefix", "value": "192.0.2.0/25", "from": "2026-02-15"})
    report = container.customers.import_text(json.dumps(document), fmt="json")
    assert report.errors == []
    assert [(m.value, m.from_ref, m.to_ref, m.at) for m in report.moves] == [
        ("192.0.2.0/25", "C-1001", "C-1004", datetime(2026, 2, 15, tzinfo=UTC))]
    resolver = container.resolver
    before = resolver.resolve("192.0.2.10", at=datetime(2026, 2, 14, tzinfo=UTC))
    after = resolver.resolve("192.0.2.10", at=datetime(2026, 2, 16, tzinfo=UTC))
    assert (before.customer_ref, after.customer_ref) == ("C-1001", "C-1004")
    # and importing the new file again is a no-op
    again = container.customers.import_text(json.dumps(document), fmt="json")
    assert (again.assets_added, again.assets_changed, again.moves) == (0, 0, [])


def test_an_undated_claim_on_a_held_block_moves_it_at_import_time(container: Container) -> None:
    container.customers.import_sample()
    csv_text = ("ref,name,rep_email,asset\n"
                "C-2000,Newcomer Ltd,abuse@newcomer.example.com,2001:db8:1100::/48\n")
    report = container.customers.import_text(csv_text, fmt="csv")
    assert [(m.from_ref, m.to_ref, m.at) for m in report.moves] == [
        ("C-1002", "C-2000", container.clock.now())]


def test_overlapping_claims_are_refused(container: Container) -> None:
    container.customers.import_sample()
    csv_text = ("ref,name,rep_email,asset,from,until\n"
                "C-2000,Newcomer Ltd,abuse@newcomer.example.com,198.51.100.0/26,"
                "2025-01-01,2025-06-01\n")
    report = container.customers.import_text(csv_text, fmt="csv")
    assert not report.applied
    assert [(e.line, e.ref) for e in report.errors] == [(2, "C-2000")]
    assert "C-1003" in report.errors[0].message


def test_a_customer_without_a_partner_needs_a_representative(container: Container) -> None:
    report = container.customers.import_text("ref,name,asset\nC-1,Nobody Ltd,192.0.2.0/24\n",
                                             fmt="csv")
    assert [(e.line, e.ref) for e in report.errors] == [(2, "C-1")]
    assert "representative" in report.errors[0].message


def test_demoting_a_partner_that_has_customers_is_refused(container: Container) -> None:
    container.customers.import_sample()
    document = {"format": "abusedesk-customers/1", "customers": [
        {"ref": "P-2001", "name": "Riverbank Cloud Resellers", "kind": "customer"}]}
    report = container.customers.import_text(json.dumps(document), fmt="json")
    assert report.rejected_refs == ["P-2001"]
    assert "P-2001-01" in report.errors[0].message
