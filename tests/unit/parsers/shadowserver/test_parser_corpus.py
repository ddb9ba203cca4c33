"""Real Shadowserver reports from the corpus become the right events: offender, time,
category, evidence; victims of DDoS are kept as victims; legacy files inside AbuseIO's
sample mails still parse. Expected values are read off the files (and MANIFEST.tsv).
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import zipfile
from datetime import UTC, datetime
from ipaddress import ip_address
from pathlib import Path

import pytest

from abusedesk.domain.events import XARF_TYPES, Event, TimeSource
from abusedesk.parsers.shadowserver import parse_csv

RECEIVED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def parse(data: bytes, filename: str | None) -> list[Event]:
    return parse_csv(data, filename=filename, received_at=RECEIVED)


@pytest.fixture(scope="module")
def historical(corpus_dir: Path) -> Path:
    folder = corpus_dir / "intelmq-shadowserver-historical"
    if not folder.is_dir():
        pytest.skip(f"no Shadowserver samples in {folder}")
    return folder


def sample(folder: Path, name: str) -> tuple[bytes, str]:
    """A sample's bytes and the name Shadowserver would give the file."""
    return (folder / f"{name}.csv").read_bytes(), f"2024-01-01-{name}-example-asn.csv"


def data_rows(data: bytes) -> int:
    return sum(1 for row in csv.reader(io.StringIO(data.decode(), newline="")) if row) - 1


def test_every_historical_sample_gives_one_event_per_row(historical: Path) -> None:
    files = sorted(historical.glob("*.csv"))
    assert len(files) > 80
    for path in files:
        data, filename = sample(historical, path.stem)
        events = parse(data, filename)
        assert len(events) == data_rows(data), path.name
        for number, event in enumerate(events, start=1):
            assert event.reporter == "Shadowserver"
            assert event.evidence == f"{filename} row {number}"
            assert event.report_id == filename[:-4]
            assert event.type in XARF_TYPES[event.category]
            assert event.details["report_type"] == path.stem
            assert event.time_source is TimeSource.REPORT, (path.name, number)
            assert event.event_time is not None and event.event_time.tzinfo is UTC


def test_first_rows_match_the_corpus_manifest(corpus_dir: Path) -> None:
    """MANIFEST.tsv records the first row's address and time of each current sample."""
    manifest = (corpus_dir / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    checked = 0
    for line in manifest[1:]:
        local_path, _, _, _, facts, _ = line.split("\t")
        if not local_path.startswith("intelmq-shadowserver/"):
            continue
        fact = dict(item.split("=", 1) for item in facts.split("; ") if "=" in item)
        path = corpus_dir / local_path
        events = parse(path.read_bytes(), f"2024-01-01-{path.stem}-example-asn.csv")
        first = events[0]
        assert first.event_time == datetime.fromisoformat(fact["first.timestamp"] + "+00:00")
        address = fact.get("first.ip") or fact.get("first.src_ip")
        if fact["ss.report_type"] != "event4_honeypot_ddos_target":
            assert first.ip == ip_address(address), local_path
        checked += 1
    assert checked >= 10


def test_open_resolver_scan(historical: Path) -> None:
    events = parse(*sample(historical, "scan_dns"))
    first = events[0]
    assert first.ip == ip_address("198.51.100.179")
    assert first.port == 53
    assert first.event_time == datetime(2018, 4, 14, 0, 14, 34, tzinfo=UTC)
    assert (first.category, first.type, first.rsit_type) == (
        "vulnerability", "open_service", "vulnerable-system")
    assert first.details["role"] == "amplifier"  # the host here reflects traffic: fix it
    assert first.details["hostname"] == "198-51-100-189.example.net"  # reverse DNS, kept
    assert first.domain is None  # ...but never taken for the offender's own name
    assert first.details["asn"] == "25255"


def test_amplification_victims_are_victims_not_offenders(historical: Path) -> None:
    events = parse(*sample(historical, "event4_honeypot_ddos_amp"))
    assert len(events) == 5
    first = events[0]
    assert first.ip == ip_address("107.141.1.2")  # the spoofed source: the victim
    assert first.details["role"] == "victim"
    assert "not_a_violation" in first.details
    assert first.details["dst_port"] == "389"  # the reflector's abused service (LDAP)
    assert (first.category, first.type) == ("connection", "ddos")
    # A broken address in the report does not lose the row: the raw value travels along.
    last = events[-1]
    assert last.ip is None and last.details["invalid_ip"] == "37.120.178.9.10"


def test_ddos_targets_are_the_destination(historical: Path) -> None:
    events = parse(*sample(historical, "event4_honeypot_ddos_target"))
    first = events[0]
    assert first.ip == ip_address("172.16.0.1")
    assert first.port == 80
    assert first.details["role"] == "victim"
    assert first.details["src_ip"] == "192.168.0.1"  # the C2 that ordered the attack


def test_ddos_command_and_control_is_the_offender(historical: Path) -> None:
    first = parse(*sample(historical, "event4_honeypot_ddos"))[0]
    assert first.ip == ip_address("192.168.0.1")
    assert first.details["role"] == "offender"
    assert (first.category, first.type) == ("infrastructure", "botnet")


def test_compromised_website_url_is_rebuilt_from_host_and_path(historical: Path) -> None:
    first = parse(*sample(historical, "compromised_website"))[0]
    assert first.ip == ip_address("203.0.113.1")
    assert first.url == "http://example.com/header.php"
    assert first.domain == "example.com"
    assert (first.category, first.type) == ("content", "remote_compromise")


def test_sinkhole_referer_points_at_the_referring_site(historical: Path) -> None:
    first = parse(*sample(historical, "event4_sinkhole_http_referer"))[0]
    assert first.ip == ip_address("178.162.203.211")
    assert first.url is not None
    assert first.url.startswith("http://12106.mobapptrack.com/click/redirect?feed_id=12106")
    assert first.details["family"] == "kovter"
    assert (first.category, first.type) == ("content", "remote_compromise")


def test_malware_url_in_an_older_layout(historical: Path) -> None:
    # This sample predates the current schema: "host" instead of "hostname", no "port".
    first = parse(*sample(historical, "malware_url"))[0]
    assert first.url == "http://41.86.0.0:50008/Mozi.m"
    assert first.ip == ip_address("41.86.0.0")
    assert first.domain is None  # the host is an address, not a name
    assert (first.category, first.type) == ("content", "malware")


def test_phishing_url_report_no_longer_in_the_schema(historical: Path) -> None:
    first = parse(*sample(historical, "phish_url"))[0]
    assert first.domain == "priceless-pare.example.net"
    assert first.url == "https://priceless-pare.example.net/Postal-/acec6/"
    assert (first.category, first.type) == ("content", "phishing")


def test_exchange_rows_with_a_webshell_are_compromises(historical: Path) -> None:
    events = parse(*sample(historical, "scan_exchange"))
    by_tag = {("webshell" in e.details["tag"]): (e.category, e.type, e.rsit_type) for e in events}
    assert by_tag[True] == ("infrastructure", "compromised_server", "system-compromise")
    assert by_tag[False] == ("vulnerability", "cve", "vulnerable-system")


def test_blocklisted_network_is_kept_as_a_network(historical: Path) -> None:
    events = parse(*sample(historical, "blocklist"))
    assert events[0].ip == ip_address("198.123.245.134")
    assert events[2].ip is None and events[2].details["network"] == "198.123.245.0/24"


def test_short_rows_are_padded_not_rejected(historical: Path) -> None:
    data, filename = sample(historical, "scan_rdp")  # rows lack the last (empty) field
    events = parse(data, filename)
    assert len(events) == 2
    assert events[0].ip == ip_address("198.123.245.178") and events[1].ip is not None
    assert all("malformed_row" not in e.details for e in events)


def test_sandbox_dns_names_the_looked_up_domain(historical: Path) -> None:
    first = parse(*sample(historical, "sandbox_dns"))[0]
    assert first.domain == "time.windows.com"
    assert first.ip == ip_address("40.119.6.228")
    assert (first.category, first.type) == ("reputation", "threat_intelligence")


def test_header_alone_identifies_a_distinct_report(historical: Path) -> None:
    data, filename = sample(historical, "scan_ssdp")
    named = parse(data, filename)
    unnamed = parse(data, None)
    assert [e.ip for e in unnamed] == [e.ip for e in named]
    assert unnamed[0].evidence == "Shadowserver scan_ssdp CSV row 1"


# -- legacy reports inside the AbuseIO sample mails (zipped CSV attachments) --------------

def zipped_csv(mail_path: Path) -> tuple[bytes, str]:
    """The CSV inside a sample mail's zip attachment (test-side unzip of trusted samples)."""
    message = email.message_from_bytes(mail_path.read_bytes(), policy=email.policy.default)
    for part in message.walk():
        if (part.get_filename() or "").endswith(".zip"):
            archive = zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True)))
            name = archive.namelist()[0]
            return archive.read(name), name
    raise AssertionError(f"no zip attachment in {mail_path}")


@pytest.mark.parametrize(("mail", "ip", "port", "kind", "rows"), [
    ("2015-01-01-dns_openresolver-sample-asn.csv.zip.eml", "208.70.149.107", 53,
     ("vulnerability", "open_service"), 5),
    ("2015-01-01-sinkhole_http_drone-sample-asn.csv.zip.eml", "202.86.21.11", 8726,
     ("infrastructure", "botnet"), 8),
    ("2015-01-01-scan_ssdp-sample-asn.csv.zip.eml", "67.193.128.173", 1900,
     ("vulnerability", "open_service"), 9),
    ("2019-10-15-scan_http-sample-asn.csv.zip.eml", "31.42.105.195", 8080,
     ("vulnerability", "open_service"), 1),
])
def test_abuseio_shadowserver_mails(corpus_dir: Path, mail: str, ip: str, port: int,
                                    kind: tuple[str, str], rows: int) -> None:
    path = corpus_dir / "abuseio" / "shadowserver" / mail
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data, name = zipped_csv(path)
    events = parse(data, name)
    assert len(events) == rows
    assert events[0].ip == ip_address(ip)
    assert events[0].port == port
    assert (events[0].category, events[0].type) == kind
    assert events[0].evidence == f"{name} row 1"


def test_legacy_sinkhole_keeps_the_infection_and_request(corpus_dir: Path) -> None:
    path = corpus_dir / "abuseio" / "shadowserver" / \
        "2015-01-01-sinkhole_http_drone-sample-asn.csv.zip.eml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    first = parse(*zipped_csv(path))[0]
    assert first.details["type"] == "downadup"
    assert first.details["url"] == "GET /search?q=0 HTTP/1.0"  # the sinkhole's URL: not ours
    assert first.url is None
    assert first.event_time == datetime(2010, 8, 31, 0, 9, 4, tzinfo=UTC)


def test_relayed_legacy_report_with_a_meaningless_name_is_recognised_by_its_header(
        corpus_dir: Path) -> None:
    """AbuseHUB relays a Shadowserver botnet-drone CSV under a UUID file name."""
    path = corpus_dir / "abuseio" / "csv" / "Abusehub_Example_1.eml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    (data, name), = [(part.get_payload(decode=True), part.get_filename())
                     for part in message.walk()
                     if (part.get_filename() or "").startswith("8787fbe5")]
    (event,) = parse(data, name)
    assert event.details["report_type"] == "botnet_drone"
    assert (event.ip, event.port) == (ip_address("172.16.10.13"), 2005)
    assert event.event_time == datetime(2015, 3, 2, 0, 45, 59, tzinfo=UTC)
    assert (event.category, event.type) == ("infrastructure", "botnet")
    assert event.details["cc"] == "72.205.6.40"  # the C2 it talked to: a detail
