"""The evidence of a listing: a valid XARF v4 report that the project's own XARF parser
reads back as the same event, classified by the policy, resolved to the holder."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from ipaddress import IPv4Address, ip_address

import pytest

from abusedesk.domain.blocklists import ListingHistory, ListingStatus, decide_transition
from abusedesk.domain.blocklists_targets import TargetKind
from abusedesk.domain.blocklists_zones import LookupResult, Outcome, Zone
from abusedesk.domain.ports import StoredPolicy
from abusedesk.domain.resolution import Resolution
from abusedesk.parsers import parse_xarf_document
from abusedesk.policies.loader import load_builtin_policy
from abusedesk.services.blocklist_evidence import (
    EvidenceFiler,
    Reporter,
    listing_document,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ZEN = Zone("spamhaus-zen", "zen.spamhaus.org", frozenset({TargetKind.IPV4}),
           codes={IPv4Address("127.0.0.4"): "XBL: exploited host"}, description="Spamhaus ZEN")
DBL = Zone("spamhaus-dbl", "dbl.spamhaus.org", frozenset({TargetKind.DOMAIN}),
           test_listed="dbltest.com", test_unlisted="invalid")
REPORTER = Reporter("abusedesk blocklist monitor", "abuse@provider.example")
ANSWER = ('10.2.0.192.zen.spamhaus.org. 2100 IN A 127.0.0.4\n'
          '10.2.0.192.zen.spamhaus.org. 2100 IN TXT "https://check.spamhaus.org/query/ip/'
          '192.0.2.10"')


def listed(entry: str = "192.0.2.10", zone: Zone = ZEN, at: datetime = AT) -> LookupResult:
    return LookupResult(zone.name, entry, f"10.2.0.192.{zone.domain}", Outcome.LISTED, at,
                        codes=("127.0.0.4",), meanings=("XBL: exploited host",),
                        txt=("https://check.spamhaus.org/query/ip/192.0.2.10",),
                        evidence=ANSWER, asset="192.0.2.0/25", ref="asset:7")


def test_the_document_is_xarf_v4_that_reads_back_as_the_same_event() -> None:
    result = listed()
    decision = decide_transition(None, result)
    report_id, data = listing_document(result, ZEN, decision, REPORTER)
    parsed = parse_xarf_document(data, received_at=AT)
    assert parsed.warnings == ()  # the official schemas accept it
    (event,) = parsed.events
    assert (event.category, event.type) == ("reputation", "blocklist")
    assert event.ip == ip_address("192.0.2.10") and event.event_time == AT
    assert event.report_id == report_id and event.reporter == "abuse@provider.example"

    document = json.loads(data)
    assert document["blocklist"]["return_codes"] == ["127.0.0.4"]
    assert document["blocklist"]["meanings"] == ["XBL: exploited host"]
    assert document["blocklist"]["observation"] == "new-listing"
    assert document["threat_type"] == "XBL: exploited host"
    (evidence,) = document["evidence"]
    assert base64.b64decode(evidence["payload"]).decode() == ANSWER
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # attachable as is


def test_the_report_id_names_one_observation() -> None:
    result = listed()
    first = listing_document(result, ZEN, decide_transition(None, result), REPORTER)[0]
    again = listing_document(result, ZEN, decide_transition(None, result), REPORTER)[0]
    later = listed(at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    relisting = decide_transition(ListingHistory(ListingStatus.DELISTED, listings=1), later)
    other = listing_document(later, ZEN, relisting, REPORTER)[0]
    assert first == again and other != first


class OneHolder:
    """Resolves everything to customer 7 (notified through its partner 3)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime]] = []

    def resolve(self, value: str, *, at: datetime) -> Resolution:
        self.asked.append((value, at))
        return Resolution(query=value, at=at, customer_id=7, notify_customer_id=3,
                          asset_id=70, matched="192.0.2.0/25")


@pytest.fixture
def filer_and_resolver() -> tuple[EvidenceFiler, OneHolder]:
    policy = load_builtin_policy()
    stored = StoredPolicy(id=1, key=policy.key, version=policy.version, title=policy.title,
                          source_sha256="0" * 64, loaded_at=AT, notice_date=None,
                          effective_at=AT, published_at=AT, policy=policy, source_text="")
    resolver = OneHolder()
    return EvidenceFiler(_Clock(), policy_at=lambda at: stored, resolver=resolver,
                         reporter=REPORTER), resolver


class _Clock:
    def now(self) -> datetime:
        return AT


def test_the_event_is_classified_by_the_policy_and_resolved_at_the_lookup_time(
        filer_and_resolver: tuple[EvidenceFiler, OneHolder]) -> None:
    filer, resolver = filer_and_resolver
    result = listed()
    prepared = filer.prepare(result, ZEN, decide_transition(None, result))
    event = prepared.event
    assert event.clause_ids == ("conduct.3e",) and event.classification_note is None
    assert resolver.asked == [("192.0.2.10", AT)]
    assert prepared.resolution is not None and prepared.resolution.customer_id == 7
    assert event.event.details["codes"] == "127.0.0.4"
    assert event.event.details["txt"] == "https://check.spamhaus.org/query/ip/192.0.2.10"
    assert prepared.facts.subject == "Blocklist: 192.0.2.10 on spamhaus-zen"


def test_a_listed_domain_is_a_domain_event(
        filer_and_resolver: tuple[EvidenceFiler, OneHolder]) -> None:
    filer, resolver = filer_and_resolver
    result = LookupResult(DBL.name, "shop.example", "shop.example.dbl.spamhaus.org",
                          Outcome.LISTED, AT, codes=("127.0.1.2",),
                          meanings=("unknown return code 127.0.1.2",))
    prepared = filer.prepare(result, DBL, decide_transition(None, result))
    assert prepared.event.event.domain == "shop.example" and prepared.event.event.ip is None
    assert resolver.asked == [("shop.example", AT)]
