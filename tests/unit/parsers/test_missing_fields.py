"""Reports that leave out an element or field a parser reads: each yields the event without it,
or a quarantine reason that says what is missing, never an "unreadable complaint" crash."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from abusedesk.domain.errors import ParseError
from abusedesk.domain.events import TimeSource
from tests.unit.parsers.helpers import mail, parse


def _no_offender_reason(raw: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse(raw)
    return caught.value.reason


# --- fail2ban: a zone-less log time when the Date header gives no zone ---------------------
@pytest.fixture
def host_five_hours_west() -> Iterator[None]:
    """Run the parser on a host whose local time is UTC-5 (a POSIX TZ rule, no tz database)."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only; the host's zone cannot be changed here")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "EST+05")
        time.tzset()
        # The premise of the tests below: a naive time now reads as 5 hours west of UTC.
        assert datetime(2024, 3, 2, 3, 0).astimezone(UTC).hour == 8
        yield
    time.tzset()


FAIL2BAN_ISO_LOG = """The IP 10.66.1.2 has just been banned by Fail2Ban after
6 attempts against sshd.

Lines containing failures of 10.66.1.2
2024-03-02 03:09:41,123 fail2ban.filter [811]: INFO [sshd] Found 10.66.1.2
2024-03-02 03:09:44,456 fail2ban.actions [811]: NOTICE [sshd] Ban 10.66.1.2
"""


@pytest.mark.parametrize(
    "headers",
    [
        {"From": "fail2ban@web1.customer.test", "Subject": "[Fail2Ban] sshd: banned 10.66.1.2"},
        {
            "From": "fail2ban@web1.customer.test",
            "Date": "Saturday morning",  # no date, so no zone, can be read
            "Subject": "[Fail2Ban] sshd: banned 10.66.1.2",
        },
    ],
    ids=["no-date-header", "unreadable-date-header"],
)
def test_fail2ban_zoneless_log_time_is_utc_whatever_the_host_zone(
    host_five_hours_west: None, headers: dict[str, str]
) -> None:
    (event,) = parse(mail(headers, FAIL2BAN_ISO_LOG)).events
    assert event.event_time == datetime(2024, 3, 2, 3, 9, 41, 123000, tzinfo=UTC)
    assert (event.time_source, event.time_field) == (TimeSource.REPORT, "log line")


# --- ACNS: SubType and Source are optional -----------------------------------------------
ACNS = """<?xml version="1.0" encoding="UTF-8"?>
<Infringement xmlns="http://www.acns.net/ACNS">
  <Case><ID>RH-2024-0042</ID></Case>
  <Complainant><Entity>Example Pictures</Entity><Email>antipiracy@rights.test</Email></Complainant>
  {source}
  <Content><Item><Title>Some Film</Title></Item></Content>
</Infringement>
"""


def test_acns_subtype_protocol_marks_peer_to_peer_when_type_does_not() -> None:
    source = (
        "<Source><TimeStamp>2024-02-20T10:00:00Z</TimeStamp><IP_Address>10.0.9.9</IP_Address>"
        '<Type>Copyright</Type><SubType BaseType="Download" Protocol="BitTorrent"/></Source>'
    )
    (event,) = parse(ACNS.format(source=source)).events
    assert (event.type, str(event.ip), event.report_id) == ("p2p", "10.0.9.9", "RH-2024-0042")


def test_acns_without_subtype_is_read_from_type_alone() -> None:
    source = "<Source><IP_Address>10.0.9.9</IP_Address><Type>HTTP</Type></Source>"
    (event,) = parse(ACNS.format(source=source)).events
    assert (event.category, event.type, str(event.ip)) == ("copyright", "copyright", "10.0.9.9")


def test_acns_without_source_is_quarantined_for_naming_no_offender() -> None:
    reason = _no_offender_reason(ACNS.format(source=""))
    assert reason == "recognised as acns but no offender could be read"


# --- IODEF: a Node may carry a name and no Address ----------------------------------------
IODEF = """<?xml version="1.0" encoding="UTF-8"?>
<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-1.0">
  <Incident purpose="reporting">
    <IncidentID name="csirt.example.test">INC-7781</IncidentID>
    <DetectTime>2024-02-28T08:15:00+00:00</DetectTime>
    <Assessment><Impact type="recon" completion="succeeded"/></Assessment>
    <EventData><Flow><System category="source">{node}</System></Flow></EventData>
  </Incident>
</IODEF-Document>
"""


def test_iodef_node_with_a_name_and_no_address_reports_the_name() -> None:
    (event,) = parse(
        IODEF.format(node="<Node><NodeName>scanner.customer.test</NodeName></Node>")
    ).events
    assert (event.type, event.ip, event.domain, event.report_id) == (
        "reconnaissance",
        None,
        "scanner.customer.test",
        "INC-7781",
    )
    assert event.event_time == datetime(2024, 2, 28, 8, 15, tzinfo=UTC)


def test_iodef_node_with_neither_name_nor_address_is_quarantined() -> None:
    reason = _no_offender_reason(IODEF.format(node="<Node><Location>rack 4</Location></Node>"))
    assert reason == "recognised as iodef but no offender could be read"


# --- XARF v4: ``reporter`` that is not an object ------------------------------------------
def test_xarf_v4_reporter_that_is_not_an_object_is_ignored() -> None:
    document = {
        "xarf_version": "4.0.0",
        "report_id": "b7c1c7e2-4f7e-4a55-9d0e-1f2a3b4c5d6e",
        "timestamp": "2024-02-29T17:45:00Z",
        "reporter": "abuse@reporter.test",  # v4 wants {"org": ..., "contact": ...}
        "source_identifier": "10.44.3.2",
        "category": "connection",
        "type": "port_scan",
    }
    (event,) = parse(json.dumps(document)).events
    assert (event.type, str(event.ip), event.reporter) == ("port_scan", "10.44.3.2", None)
    assert event.event_time == datetime(2024, 2, 29, 17, 45, tzinfo=UTC)
