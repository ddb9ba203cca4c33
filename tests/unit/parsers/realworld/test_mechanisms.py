"""The general mechanisms the realistic mail needed, pinned on their own inputs."""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import ip_address

import pytest

from abusedesk.parsers import indicators, mime
from abusedesk.parsers.csvfeeds import delimiter_of, text_blocks
from abusedesk.parsers.limits import DEFAULT_LIMITS
from abusedesk.parsers.received import first_hop, parse_received
from abusedesk.parsers.textrecords import column_name
from abusedesk.parsers.timeparse import parse_any


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am 05.03.2024 um 03:14:15 Uhr (MEZ)", datetime(2024, 3, 5, 2, 14, 15, tzinfo=UTC)),
        ("05.03.2024 09:00 MESZ", datetime(2024, 3, 5, 7, 0, tzinfo=UTC)),
        ("受信日時: 2024/03/05 18:20:00 JST", datetime(2024, 3, 5, 9, 20, tzinfo=UTC)),
        ("Tue Mar  5 01:02:03 2024 +0100", datetime(2024, 3, 5, 0, 2, 3, tzinfo=UTC)),
        ("seen 05.03.2024 12:00 UTC+3", datetime(2024, 3, 5, 9, 0, tzinfo=UTC)),
        ("Listed: 05-Mar-2024 10:11 GMT", datetime(2024, 3, 5, 10, 11, tzinfo=UTC)),
    ],
)
def test_time_shapes(text, expected):
    assert parse_any(text) == expected


@pytest.mark.parametrize("text", ["05/03/2024 10:42", "version 1.4.15", "at 10h42"])
def test_ambiguous_or_no_times_are_not_read(text):
    assert parse_any(text) is None


def test_internal_hops_of_the_receiver_are_skipped():
    raw = (
        b"Received: from mx-in.big.example (mx-in.big.example [10.1.0.5])\n"
        b"\tby store.big.example; Tue, 05 Mar 2024 10:00:02 +0000\n"
        b"Received: from [10.2.0.9] (helo=edge.big.example) by mx-in.big.example;\n"
        b"\tTue, 05 Mar 2024 10:00:01 +0000\n"
        b"Received: from out.sender.example (out.sender.example [192.0.2.44])\n"
        b"\tby edge.big.example; Tue, 05 Mar 2024 10:00:00 +0000\n"
        b"Subject: x\n\nbody\n"
    )
    hop = first_hop(mime.parse_mail(raw, DEFAULT_LIMITS))
    assert hop is not None
    assert hop.ip == ip_address("192.0.2.44")
    assert hop.time == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def test_a_receiver_with_one_server_keeps_its_only_hop():
    hop = parse_received(
        "from a.example (a.example [10.9.9.9]) by mx.b.example; 5 Mar 2024 10:00 +0000"
    )
    assert (hop.ip, hop.internal) == (ip_address("10.9.9.9"), False)


def test_sides_of_an_attack_line():
    found = list(indicators.find_indicators("SRC=198.51.100.7 DST=192.0.2.10 DPT=22"))
    assert [(f.value, f.role) for f in found] == [
        ("198.51.100.7", "offender"),
        ("192.0.2.10", "destination"),
    ]
    listed = list(indicators.find_indicators("Hosts connecting to our network: 198.51.100.6"))
    assert [f.role for f in listed] == ["offender"]


def test_a_slash_32_is_a_host_and_a_port_travels_with_its_address():
    found = list(indicators.find_indicators("198.51.100.77/32 listed; C2 at 198.51.100.8:447"))
    assert [(f.value, f.port) for f in found] == [("198.51.100.77", None), ("198.51.100.8", 447)]
    assert list(indicators.find_indicators("198.51.100.0/24 listed")) == []


def test_a_time_of_day_is_no_ipv6_address():
    assert list(indicators.find_indicators("at 09:00:01 UTC")) == []


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Fraudulent URL", "url"),
        ("Timestamp (UTC)", "time"),
        ("Adresse IP", "ip"),
        ("Target IP", None),
        ("Original work", None),
        ("Target brand", None),
        ("Destination port", None),
    ],
)
def test_labels(label, name):
    assert column_name(label) == name


def test_eight_bit_text_in_a_legacy_charset_is_decoded_once():
    raw = (
        b"Subject: x\nContent-Type: text/plain; charset=windows-1251\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + "спам с 192.0.2.1".encode("cp1251")
    )
    message = mime.parse_mail(raw, DEFAULT_LIMITS)
    assert mime.text_of(message, DEFAULT_LIMITS) == "спам с 192.0.2.1"


def test_csv_blocks_in_text_and_delimiters():
    lines = [
        "Dear colleagues,",
        "# ip;port;timestamp",
        "192.0.2.1;80;2024-03-05 10:00:00",
        "",
        "a,b,c without any address column",
        "1,2,3",
    ]
    ((start, end, rows),) = text_blocks(lines)
    assert (start, end, rows[0]) == (1, 3, ["ip", "port", "timestamp"])
    assert delimiter_of("a;b;c,d\n") == ";"
