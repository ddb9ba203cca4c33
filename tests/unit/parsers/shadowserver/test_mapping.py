"""The pinned Shadowserver table: it covers every published report type, it is exactly what
the generator makes from the schema it names, its choices agree with Shadowserver's own field
mappings, and the generator refuses inputs it cannot classify.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from abusedesk.domain.errors import InvalidInput, ParseError
from abusedesk.domain.events import RSIT_TYPES, XARF_TYPES
from abusedesk.parsers.shadowserver.generate import build_mapping, render_mapping
from abusedesk.parsers.shadowserver.mapping import (
    builtin_report_types,
    parse_mapping,
    report_name_from_filename,
)

PINNED = Path(__file__).resolve().parents[4] / "src" / "abusedesk" / "parsers" / "data" \
    / "shadowserver.json"


@pytest.fixture(scope="module")
def schema_dir(corpus_dir: Path) -> Path:
    folder = corpus_dir / "shadowserver-schema"
    if not (folder / "reports.json").is_file():
        pytest.skip(f"Shadowserver's schema is not in {folder}")
    return folder


@pytest.fixture(scope="module")
def reports(schema_dir: Path) -> dict[str, Any]:
    return json.loads((schema_dir / "reports.json").read_bytes())


@pytest.fixture(scope="module")
def intelmq(schema_dir: Path) -> dict[str, Any]:
    return json.loads((schema_dir / "intelmq.json").read_bytes())


def test_every_published_report_type_is_in_the_pinned_table(reports: dict[str, Any]) -> None:
    table = builtin_report_types()
    missing = [name for name in reports if table.get(name) is None]
    assert missing == []
    assert len(reports) >= 170


def test_pinned_table_is_what_the_generator_makes_from_the_schema_it_names(
        schema_dir: Path, reports: dict[str, Any], intelmq: dict[str, Any]) -> None:
    pinned_text = PINNED.read_text(encoding="utf-8")
    recorded = json.loads(pinned_text)["generated_from"]
    digests = {name: hashlib.sha256((schema_dir / name).read_bytes()).hexdigest()
               for name in ("reports.json", "intelmq.json")}
    if any(recorded[name]["sha256"] != digests[name] for name in digests):
        pytest.skip("the corpus holds another schema version than the pinned table names")
    sources = {"reports.json": recorded["reports.json"], "intelmq.json": recorded["intelmq.json"]}
    assert render_mapping(build_mapping(reports, intelmq, sources=sources)) == pinned_text


def test_every_entry_is_consistent() -> None:
    for report_type in builtin_report_types():
        assert report_type.type in XARF_TYPES[report_type.category], report_type.name
        assert report_type.rsit in RSIT_TYPES, report_type.name
        assert report_type.columns["time"], report_type.name
        assert any(kind in report_type.columns for kind in ("ip", "url", "hostname", "email"))
        if not report_type.legacy:  # current types name only columns their header has...
            for kind, columns in report_type.columns.items():
                assert columns[0] in report_type.header, (report_type.name, kind)
            assert set(report_type.details) <= report_type.header, report_type.name


def test_offender_address_column_agrees_with_shadowservers_own_mapping(
        intelmq: dict[str, Any]) -> None:
    """Shadowserver maps one column to IntelMQ's source.ip; ours is the same unless the row
    names a victim (then it is whichever address was attacked)."""
    checked = 0
    for spec in intelmq.values():
        if not isinstance(spec, dict) or "file_name" not in spec:
            continue
        report_type = builtin_report_types().get(spec["file_name"])
        assert report_type is not None, spec["file_name"]
        theirs = [f[1] for f in spec["required_fields"] + spec["optional_fields"]
                  if f[0] == "source.ip"]
        if not theirs or report_type.victim:
            continue
        assert report_type.columns["ip"][0] == theirs[0], report_type.name
        checked += 1
    assert checked > 150


def test_ddos_victim_reports_point_at_the_victim() -> None:
    amplification = builtin_report_types().get("event4_honeypot_ddos_amp")
    target = builtin_report_types().get("event4_honeypot_ddos_target")
    assert amplification is not None and target is not None
    assert amplification.victim and target.victim
    assert amplification.columns["ip"] == ("src_ip",)  # the spoofed source is the victim
    assert target.columns["ip"] == ("dst_ip",)  # src_ip there is the C2 that ordered it
    ordering_c2 = builtin_report_types().get("event4_honeypot_ddos")
    assert ordering_c2 is not None and not ordering_c2.victim


def test_open_amplifiers_are_flagged_as_the_host_to_fix() -> None:
    table = builtin_report_types()
    for name in ("scan_dns", "scan_ntpmonitor", "scan_memcached", "scan_ssdp", "scan_chargen"):
        report_type = table.get(name)
        assert report_type is not None and report_type.amplifier and not report_type.victim


@pytest.mark.parametrize(("filename", "expected"), [
    ("2019-10-15-scan_http-sample-asn.csv", "scan_http"),
    ("2024-01-01-event4_sinkhole_http-acme-asn-geo.csv", "event4_sinkhole_http"),
    ("scan_ssdp.csv", "scan_ssdp"),
    ("reports/2015-01-01-dns_openresolver-sample-asn.csv", "dns_openresolver"),
    ("", None),
    (None, None),
])
def test_report_name_from_filename(filename: str | None, expected: str | None) -> None:
    assert report_name_from_filename(filename) == expected


# -- the generator on inputs it must refuse or extend --------------------------------------

def small_reports(**extra: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "scan_widget": {"classification.type": "vulnerable-system",
                        "fields": ["timestamp", "ip", "port", "hostname", "tag", "asn"],
                        "name": "Open-Widget"},
    }
    base.update(extra)
    return base


def test_generator_gives_a_new_ipv6_variant_the_classification_of_its_ipv4_sibling() -> None:
    reports = small_reports(scan6_widget={"fields": ["timestamp", "ip", "port", "hostname"],
                                          "name": "Open-Widget-IPv6"})
    table = parse_mapping(render_mapping(build_mapping(reports)))
    widget6 = table.get("scan6_widget")
    assert widget6 is not None
    assert (widget6.category, widget6.type, widget6.rsit) == (
        "vulnerability", "open_service", "vulnerable-system")


def test_generator_refuses_an_unknown_classification() -> None:
    reports = small_reports(scan_gizmo={"classification.type": "made-up-type",
                                        "fields": ["timestamp", "ip"]})
    with pytest.raises(InvalidInput, match="scan_gizmo"):
        build_mapping(reports)


def test_generator_refuses_a_type_without_any_classification() -> None:
    reports = small_reports(brand_new={"fields": ["timestamp", "ip"]})
    with pytest.raises(InvalidInput, match="brand_new.*RSIT"):
        build_mapping(reports)


def test_generator_refuses_a_type_without_an_offender_column() -> None:
    reports = small_reports(scan_nothing={"classification.type": "vulnerable-system",
                                          "fields": ["timestamp", "severity", "tag"]})
    with pytest.raises(InvalidInput, match="scan_nothing.*offender"):
        build_mapping(reports)


@pytest.mark.parametrize("reports", [
    [], {}, {"scan_x": {"fields": "timestamp,ip"}}, {"Bad Name": {"fields": ["timestamp"]}},
    {"scan_x": {"fields": ["timestamp", "ip; drop"]}},
])
def test_generator_refuses_malformed_schema_files(reports: Any) -> None:
    with pytest.raises(InvalidInput):
        build_mapping(reports)


def test_rendering_is_stable_and_round_trips() -> None:
    mapping = build_mapping(small_reports(), sources={"reports.json": {"sha256": "0" * 64}})
    text = render_mapping(mapping)
    assert text == render_mapping(json.loads(text))
    assert parse_mapping(text).get("scan_widget") is not None


def test_header_recognition_refuses_to_guess_between_types_classified_differently() -> None:
    # scan_http and scan_http_vulnerable publish the same columns but classify differently.
    table = builtin_report_types()
    scan_http = table.get("scan_http")
    assert scan_http is not None
    with pytest.raises(ParseError, match="file name must name the report"):
        table.by_header(sorted(scan_http.header))
