"""Hand-written Shadowserver CSVs: damaged files are refused with a reason, damaged rows are
kept with the damage recorded, and (last) events carry the clauses of the built-in policy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from ipaddress import ip_address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import VICTIM_REASON, EventRole, TimeSource
from abusedesk.parsers.shadowserver import parse_csv
from abusedesk.parsers.shadowserver import parser as parser_module

RECEIVED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
SINKHOLE_NAME = "2024-05-05-event4_sinkhole-example-asn.csv"
SINKHOLE = (
    '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_hostname",'
    '"dst_ip","dst_port","infection","family","tag"\n'
    '"2024-05-05 10:11:12","tcp","192.0.2.10",51515,64500,"ZZ","host10.example.net",'
    '"198.51.100.1",80,"andromeda","andromeda","andromeda"\n'
    '"2024-05-05 10:11:13","tcp","2001:db8::10",40000,64500,"ZZ",,'
    '"198.51.100.1",80,"necurs","necurs","necurs"\n'
)


def parse(text: str | bytes, filename: str | None = SINKHOLE_NAME, **kwargs: object) -> list:
    data = text.encode() if isinstance(text, str) else text
    return parse_csv(data, filename=filename, received_at=RECEIVED, **kwargs)  # type: ignore[arg-type]


def test_rows_become_events() -> None:
    first, second = parse(SINKHOLE)
    assert first.ip == ip_address("192.0.2.10") and first.port == 51515
    assert first.event_time == datetime(2024, 5, 5, 10, 11, 12, tzinfo=UTC)
    assert first.time_source is TimeSource.REPORT and first.time_field == "timestamp"
    assert (first.category, first.type, first.rsit_type) == (
        "infrastructure", "botnet", "infected-system")
    assert first.details["infection"] == "andromeda"
    assert first.details["dst_ip"] == "198.51.100.1"  # the sinkhole: a detail, not the offender
    assert first.details["asn"] == "64500"
    assert second.ip == ip_address("2001:db8::10")
    assert "src_hostname" not in second.details  # empty cells are not details


def test_crlf_bom_and_blank_lines_are_accepted() -> None:
    text = "\ufeff" + SINKHOLE.replace("\n", "\r\n") + "\r\n"
    assert [e.ip for e in parse(text)] == [e.ip for e in parse(SINKHOLE)]


def test_header_only_report_has_no_events() -> None:
    assert parse(SINKHOLE.splitlines()[0] + "\n") == []


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"PK\x03\x04\x14\x00\x08\x00\x08\x00\xa0\x8d\xff\xfe", "not UTF-8"),
    ('"when","who"\n"x","y"\n', "no timestamp column"),
    ('"timestamp","protocol","dst_ip"\n"2024-05-05 10:11:12","tcp","1.2.3.4"\n',
     "none of the offender columns"),
])
def test_damaged_files_are_refused_with_a_reason(data: str | bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(data)


def test_unknown_report_type_is_refused() -> None:
    with pytest.raises(ParseError, match="unknown Shadowserver report type 'scan_teapot'"):
        parse('"timestamp","ip","brew_temperature"\n"2024-05-05 10:11:12","1.2.3.4","95"\n',
              filename="2024-05-05-scan_teapot-example-asn.csv")


def test_unnamed_file_with_a_header_like_none_is_refused() -> None:
    with pytest.raises(ParseError, match="header matches none"):
        parse('"a","b","c"\n"1","2","3"\n', filename=None)


def test_text_that_is_not_csv_is_refused() -> None:
    broken = SINKHOLE + '"2024-05-05 10:11:14","tcp","192.0.2.11",' + "x" * 200_000 + "\n"
    with pytest.raises(ParseError, match="row 3 is not valid CSV"):
        parse(broken)


def test_too_many_rows() -> None:
    with pytest.raises(InputLimitExceeded, match="more than 1 rows"):
        parse(SINKHOLE, max_rows=1)


def test_too_many_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "MAX_CSV_BYTES", 100)
    with pytest.raises(InputLimitExceeded, match="limit is 100"):
        parse(SINKHOLE)


def test_received_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_csv(SINKHOLE.encode(), filename=SINKHOLE_NAME,
                  received_at=datetime(2024, 1, 1))  # noqa: DTZ001 - the point of the test


def test_damaged_cells_keep_the_row_and_say_what_was_wrong() -> None:
    header = SINKHOLE.splitlines()[0]
    text = (header + "\n"
            '"yesterday","tcp","192.0.2.300",99999,64500,"ZZ",,"198.51.100.1",80,"x","x","x"\n')
    (event,) = parse(text)
    assert event.event_time == RECEIVED and event.time_source is TimeSource.RECEIVED
    assert event.time_field is None
    assert event.details["invalid_timestamp"] == "yesterday"
    assert event.ip is None and event.details["invalid_ip"] == "192.0.2.300"
    assert event.port is None and event.details["invalid_port"] == "99999"


def test_a_timestamp_with_a_zone_is_converted_to_utc() -> None:
    text = SINKHOLE.replace("2024-05-05 10:11:12", "2024-05-05T12:11:12+02:00")
    first = parse(text)[0]
    assert first.event_time == datetime(2024, 5, 5, 10, 11, 12, tzinfo=UTC)
    assert first.event_time.utcoffset() == timedelta(0)
    assert first.event_time == datetime(2024, 5, 5, 12, 11, 12, tzinfo=timezone(timedelta(hours=2)))


def test_rows_longer_than_the_header_are_flagged() -> None:
    lines = SINKHOLE.splitlines()
    (event,) = parse(lines[0] + "\n" + lines[1] + ',"surplus"\n')
    assert event.ip == ip_address("192.0.2.10")
    assert event.details["malformed_row"] == "13 fields, the header has 12"


def test_single_address_networks_are_addresses() -> None:
    text = SINKHOLE.replace('"192.0.2.10"', '"192.0.2.10/32"')
    assert parse(text)[0].ip == ip_address("192.0.2.10")


def test_hostile_hostnames_are_not_taken_for_domains() -> None:
    header = '"timestamp","url","hostname","ip","asn","geo","tag"'
    rows = ['"2024-05-05 10:00:00","http://evil.example/x","evil.example","192.0.2.5",1,"ZZ",""',
            '"2024-05-05 10:00:00","http://x/y","<script>alert(1)</script>","192.0.2.6",1,"ZZ",""']
    first, second = parse("\n".join([header, *rows]) + "\n",
                          filename="2024-05-05-malware_url-example-asn.csv")
    assert first.domain == "evil.example" and first.url == "http://evil.example/x"
    assert second.domain is None
    assert second.details["invalid_hostname"] == "<script>alert(1)</script>"


# -- classification (last: it depends on the built-in policy file) ------------------------

@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    from abusedesk.policies.loader import load_builtin_policy

    try:
        return load_builtin_policy()
    except FileNotFoundError:
        pytest.skip("the built-in policy file is not there yet")


def test_without_a_policy_events_carry_no_clauses() -> None:
    assert all(event.clause_ids == () for event in parse(SINKHOLE))


def test_events_carry_the_clauses_the_policy_gives_their_category(policy) -> None:  # type: ignore[no-untyped-def]
    expected = policy.classify("infrastructure", "botnet", rsit="infected-system")
    assert expected.clause_ids  # an infected host breaks a clause of the reference AUP
    events = parse(SINKHOLE, policy=policy)
    assert all(event.clause_ids == expected.clause_ids for event in events)
    assert all(policy.clause(clause_id) for clause_id in expected.clause_ids)


def test_victims_map_to_no_clause_although_their_category_would(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy.classify("connection", "ddos", rsit="ddos").clause_ids
    text = ('"timestamp","protocol","src_ip","src_port","src_asn","dst_ip","dst_port",'
            '"infection","tag"\n'
            '"2024-05-05 10:00:00","udp","192.0.2.77",,64500,,389,"ddos-amplification",""\n')
    (event,) = parse(text, filename="2024-05-05-event4_honeypot_ddos_amp-x-asn.csv",
                     policy=policy)
    assert event.ip == ip_address("192.0.2.77")
    assert event.clause_ids == ()
    assert event.role is EventRole.VICTIM
    assert event.details["not_a_violation"] == VICTIM_REASON


def test_declared_non_violations_say_why(policy) -> None:  # type: ignore[no-untyped-def]
    declared = policy.classify("vulnerability", "open_service", rsit="vulnerable-system")
    text = ('"timestamp","ip","protocol","port","hostname","tag","asn"\n'
            '"2024-05-05 10:00:00","192.0.2.53","udp",53,,"openresolver",64500\n')
    (event,) = parse(text, filename="2024-05-05-scan_dns-example-asn.csv", policy=policy)
    assert event.clause_ids == declared.clause_ids
    if declared.not_a_violation is not None:
        assert event.details["not_a_violation"] == declared.not_a_violation
    else:
        assert "not_a_violation" not in event.details


# -- arbitrary input never escapes the error tree ----------------------------------------


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2000), named=st.booleans())
def test_arbitrary_bytes_give_events_or_a_parse_error(body: bytes, named: bool) -> None:
    header = SINKHOLE.splitlines()[0].encode()
    for data in (body, header + b"\n" + body):
        try:
            events = parse(data, filename=SINKHOLE_NAME if named else None)
        except ParseError:
            continue
        for event in events:
            assert event.evidence is not None and event.reporter == "Shadowserver"


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(max_size=40), min_size=0, max_size=16))
def test_arbitrary_cells_keep_their_row(cells: list[str]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerow(cells)
    data = SINKHOLE.splitlines()[0] + "\n" + out.getvalue()
    try:
        events = parse(data)
    except ParseError:
        return
    assert len(events) == (1 if any(cells) else 0)  # a row of empty cells is a blank line


def test_unicode_digits_are_not_ports() -> None:
    (event,) = parse(SINKHOLE.splitlines()[0] + "\n"
                     '"2024-05-05 10:11:12","tcp","192.0.2.10","²",64500,,,,,,,\n')
    assert event.port is None and event.details["invalid_port"] == "²"
