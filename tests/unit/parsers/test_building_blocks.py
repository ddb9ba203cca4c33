"""Indicators, times and the flat X-ARF YAML: the pieces every format parser relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import ip_address

import pytest

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import indicators, mime, rsit, taxonomy
from abusedesk.parsers.limits import DEFAULT_LIMITS
from abusedesk.parsers.result import Context, ParseResult
from abusedesk.parsers.shadowserver import rules as shadowserver_rules
from abusedesk.parsers.shadowserver.mapping import builtin_report_types
from abusedesk.parsers.textevents import is_heading
from abusedesk.parsers.timeparse import header_zone, parse_any, parse_mail_date, parse_syslog
from abusedesk.parsers.yamlish import parse_flat
from tests.unit.parsers.helpers import OPTIONS_KEEP_DOC, RECEIVED_AT, parse


@pytest.mark.parametrize(
    ("defanged", "plain"),
    [
        ("hxxp://evil[.]test/a", "http://evil.test/a"),
        ("hXXps[:]//evil(.)test/b", "https://evil.test/b"),
        ("evil [dot] test", "evil.test"),
        ("user[at]evil[.]test", "user@evil.test"),
    ],
)
def test_refang(defanged, plain):
    assert indicators.refang(defanged) == plain


def test_find_indicators_skips_networks_ranges_and_whois_lines():
    text = (
        "inetnum: 10.0.0.0 - 10.0.0.255\nrange 10.1.0.0 - 10.1.0.255 and net 10.2.0.0/16\n"
        "attacker 10.3.3.3 via http://10.4.4.4/x and a@10.5.5.5\n"
    )
    found = [(f.kind, f.value) for f in indicators.find_indicators(text)]
    assert found == [("url", "http://10.4.4.4/x"), ("ip", "10.3.3.3")]


@pytest.mark.parametrize(
    ("address", "never"),
    [
        ("127.0.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("255.255.255.255", True),
        ("169.254.3.3", True),
        ("::1", True),
        ("ff02::1", True),
        ("250.1.1.1", True),
        ("10.0.0.1", False),
        ("192.0.2.1", False),
        ("2001:db8::1", False),
        ("100.64.0.1", False),
    ],
)
def test_never_offenders(address, never):
    assert indicators.never_offender(ip_address(address)) is never


def test_documentation_ranges():
    assert indicators.is_documentation(ip_address("203.0.113.7"))
    assert indicators.is_documentation(ip_address("2001:db8::7"))
    assert not indicators.is_documentation(ip_address("10.0.0.7"))


def test_mail_dates_with_retired_zone_names():
    assert parse_mail_date("Thu, 9 Apr 2006 23:34:45 JST") == datetime(
        2006, 4, 9, 14, 34, 45, tzinfo=UTC
    )
    assert parse_mail_date("Mon, 26 Oct 2015 11:28:27 UTz") == datetime(
        2015, 10, 26, 11, 28, 27, tzinfo=UTC
    )
    assert parse_mail_date("Tue, 19 Jan 2016 14:32:40 -0500 (EST)") == datetime(
        2016, 1, 19, 19, 32, 40, tzinfo=UTC
    )
    assert parse_mail_date("(invalid)") is None


def test_free_times():
    assert parse_any('10.0.0.1 - - [31/Jan/2014:07:19:02 +0100] "GET /"') == datetime(
        2014, 1, 31, 6, 19, 2, tzinfo=UTC
    )
    assert parse_any("  - Mon, 21 Sep 2015 11:00AM PDT") == datetime(2015, 9, 21, 18, 0, tzinfo=UTC)
    assert parse_any("|2015-09-14 07:49:54 CEST |81328588") == datetime(
        2015, 9, 14, 5, 49, 54, tzinfo=UTC
    )


def test_a_comma_after_the_seconds_is_a_fraction_only_before_words():
    # log4j writes milliseconds after a comma; a CSV line goes on with the next field
    assert parse_any("2019-03-04 22:10:24,110 INFO worker") == datetime(
        2019, 3, 4, 22, 10, 24, 110000, tzinfo=UTC
    )
    assert parse_any("2019-03-04 22:10:24,198.51.100.9,447,QakBot") == datetime(
        2019, 3, 4, 22, 10, 24, tzinfo=UTC
    )
    assert parse_any("2019-03-04 22:10:24,110,5") == datetime(2019, 3, 4, 22, 10, 24, tzinfo=UTC)


def test_dashes_between_hours_minutes_and_seconds():
    # an ACNS TimeStamp some senders write: "2015-05-06T05-00-00UTC"
    assert parse_any("2015-05-06T05-00-00UTC") == datetime(2015, 5, 6, 5, 0, 0, tzinfo=UTC)
    assert parse_any("2024-03-05 10-11 apples") is None


def test_tcpdump_lines_name_source_and_destination():
    found = list(
        indicators.find_indicators("21:41:07.7 IP 198.51.100.53.53 > 203.0.113.77.27015: 40521")
    )
    assert [(f.value, f.port, f.role) for f in found] == [
        ("198.51.100.53", 53, "offender"),
        ("203.0.113.77", 27015, "destination"),
    ]
    assert [f.value for f in indicators.find_indicators("version 1.2.3.4.5 released")] == []


def test_syslog_time_uses_the_zone_of_the_date_header():
    header = "Sat, 02 Mar 2024 03:10:00 +0100"
    moment = parse_syslog(
        "Mar  2 03:09:41 host sshd[1]: Failed",
        reference=parse_mail_date(header),
        zone=header_zone(header),
    )
    assert moment == datetime(2024, 3, 2, 2, 9, 41, tzinfo=UTC)


def test_flat_yaml_reads_quoted_tagged_and_continued_values():
    text = (
        "---\nDate: '2015-05-15 17:03:11-07:00'\nTargeted-URL: !!python/unicode 'http://x.test/'\n"
        "Source: 10.1.1.1\nNote: first\n  second\nSource: 10.9.9.9\n"
    )
    assert parse_flat(text, max_bytes=10_000) == {
        "date": "2015-05-15 17:03:11-07:00",
        "targeted-url": "http://x.test/",
        "source": "10.1.1.1",
        "note": "first second",
    }


@pytest.mark.parametrize(
    "value", ["!!python/object/apply:os.system ['id']", "!!binary aGVsbG8=", "*alias", "&anchor x"]
)
def test_flat_yaml_refuses_tags_and_aliases(value):
    with pytest.raises(ParseError):
        parse_flat(f"Source: {value}\n", max_bytes=10_000)


@pytest.mark.parametrize(
    ("words", "pair"),
    [
        ("W32.Opaserv Worm?", ("infrastructure", "botnet")),
        ("host is likely infected with the OpaServ worm", ("infrastructure", "botnet")),
        ("Issue:  Client software hosts (IE:  botnets).", ("infrastructure", "botnet")),
        ("Wormhole client update", None),
    ],
)
def test_words_that_name_an_infected_host(words: str, pair: tuple[str, str] | None) -> None:
    assert taxonomy.classify_text(words) == pair


#: XARF v4 ``infrastructure/botnet`` is "botnet infections and compromised systems" (its
#: fields: malware family, the C2 server the bot talks to, how it was infected): what a sinkhole
#: or an RSIT ``infected-system`` report says. ``connection/infected_host`` describes the
#: traffic such a host was seen sending (target, protocol, bot behaviour).
INFECTED = ("infrastructure", "botnet")


@pytest.mark.parametrize("name", ["infected-system", "Infected System", "botnet drone"])
def test_an_rsit_infected_system_is_the_pair_the_old_words_give(name: str) -> None:
    assert rsit.rsit_pair(name) == INFECTED
    assert taxonomy.lookup(name) in (INFECTED, None)
    assert taxonomy.classify_text(name) in (INFECTED, None)


def test_every_path_reads_an_infected_system_as_one_pair() -> None:
    for name in ("bots", "drone", "infected-system", "botnet-drone"):
        assert taxonomy.lookup(name) == INFECTED, name
    assert taxonomy.classify_text("an infected system in your network") == INFECTED
    assert shadowserver_rules.RSIT_TO_XARF["infected-system"] == "infrastructure/botnet"
    sinkholes = {
        t.name: (t.category, t.type)
        for t in builtin_report_types()
        if (t.rsit == "infected-system" or "sinkhole" in t.name) and "referer" not in t.name
    }
    assert sinkholes and set(sinkholes.values()) == {INFECTED}, sinkholes


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("# Firstseen,DstIP,DstPort,Malware", False),  # column names, not a title
        ("ip|port|first_seen", False),
        ("Malware", True),
        ("Spam, phishing, malware", True),  # prose puts a space after its commas
        ("Phishing sites:", True),
    ],
)
def test_a_row_of_column_names_is_no_heading(line, heading):
    assert is_heading(line) is heading


def test_column_names_do_not_classify_the_addresses_under_them():
    text = (
        "Botnet infections seen by our sensors\n\n"
        "# first,addr,malware\n"
        "2024-03-01 10:00:00 198.51.100.7 examplebot\n"
    )
    (event,) = parse(text, options=OPTIONS_KEEP_DOC).events
    assert (event.category, event.type) == ("infrastructure", "botnet")


@pytest.mark.parametrize(
    ("value", "address"),
    [("109.230.155.061", "109.230.155.61"), ("010.001.002.003", "10.1.2.3"), ("01.02.2024", None)],
)
def test_zero_padded_octets_in_a_field(value, address):
    found = indicators.parse_ip(value)
    assert (str(found) if found else None) == address


def test_zero_padded_addresses_only_opening_a_line_of_free_text():
    text = "198.051.100.061\t3\nversion 001.002.003.004 released\n2024.03.01.001 build"
    assert [f.value for f in indicators.find_indicators(text)] == ["198.51.100.61"]


def test_leaf_parts_skip_containers_and_attached_mails() -> None:
    raw = (
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="o"\n\n'
        "--o\nContent-Type: text/plain\n\nsee attached\n"
        '--o\nContent-Type: message/rfc822\n\nContent-Type: multipart/alternative; boundary="i"\n\n'
        "--i\nContent-Type: text/html\n\n<p>quoted spam</p>\n--i--\n"
        "--o\nContent-Type: application/json\n\n{}\n--o--\n"
    )
    message = mime.parse_mail(raw.encode(), DEFAULT_LIMITS)
    kinds = [mime.content_type(part) for part in mime.leaf_parts(message)]
    assert kinds == ["text/plain", "application/json"]


def test_a_not_abuse_result_keeps_the_complaint_around_it() -> None:
    ctx = Context(RECEIVED_AT, reporter="postmaster@mail.example", subject="Out of office")
    result = ParseResult.not_abuse_for("auto-reply", "an automatic reply", ctx)
    assert (result.format, result.events, result.not_abuse) == ("auto-reply", (), True)
    assert (result.not_abuse_reason, result.reporter, result.subject) == (
        "an automatic reply",
        "postmaster@mail.example",
        "Out of office",
    )
