"""The UDP client's wire work: questions, reply decoding, resolver addresses."""

from __future__ import annotations

import dns.message
import dns.rcode
import dns.rrset
import pytest

from abusedesk.adapters.dns.dnsbl_resolver import decode_reply, parse_resolver
from abusedesk.adapters.dns.udp_client import QTYPE_A, QTYPE_TXT, encode_question
from abusedesk.domain.blocklists_zones import ResponseStatus
from abusedesk.domain.errors import ConfigurationError

NAME = "2.0.0.127.zen.spamhaus.org"


def reply(rcode: int = dns.rcode.NOERROR, *records: tuple[str, str]) -> bytes:
    query = dns.message.make_query(NAME, "A")
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    for rdtype, value in records:
        response.answer.append(dns.rrset.from_text(NAME + ".", 300, "IN", rdtype, value))
    return response.to_wire()


def test_question_matches_what_dnspython_writes() -> None:
    query = dns.message.make_query(NAME, "TXT").to_wire()
    assert query[12:] == encode_question(NAME, QTYPE_TXT)
    assert encode_question("Test.Example", QTYPE_A) == encode_question("test.example", QTYPE_A)


def test_question_with_the_zone_encoded_once_is_the_same_question() -> None:
    for name in (NAME, "b.a.9.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org"):
        assert encode_question(name, QTYPE_A, "zen.spamhaus.org") == encode_question(name, QTYPE_A)
    # a name outside the zone is encoded whole
    assert encode_question("2.0.0.127.other.example", QTYPE_A, "zen.spamhaus.org") == (
        dns.message.make_query("2.0.0.127.other.example", "A").to_wire()[12:])


@pytest.mark.parametrize(
    "name", ["a..b", "a" * 64 + ".example", ".".join(["a" * 63] * 5), "bü.example"]
)
def test_names_dns_cannot_carry_are_refused(name: str) -> None:
    with pytest.raises((ValueError, UnicodeError)):
        encode_question(name, QTYPE_A)


def test_listing_reply_gives_addresses_texts_and_evidence() -> None:
    answer = decode_reply(reply(dns.rcode.NOERROR, ("A", "127.0.0.2"), ("A", "127.0.0.4"),
                                ("TXT", '"see https://example.org/sbl"')))
    assert answer.status is ResponseStatus.NOERROR
    assert sorted(answer.addresses) == ["127.0.0.2", "127.0.0.4"]
    assert answer.texts == ("see https://example.org/sbl",)
    assert "IN A 127.0.0.2" in answer.evidence


@pytest.mark.parametrize(
    ("rcode", "status"),
    [
        (dns.rcode.NXDOMAIN, ResponseStatus.NXDOMAIN),
        (dns.rcode.SERVFAIL, ResponseStatus.SERVFAIL),
        (dns.rcode.REFUSED, ResponseStatus.REFUSED),
        (dns.rcode.FORMERR, ResponseStatus.OTHER_RCODE),
        (dns.rcode.NOERROR, ResponseStatus.NOERROR),
    ],
)
def test_rcodes_map_to_statuses(rcode: int, status: ResponseStatus) -> None:
    answer = decode_reply(reply(rcode))
    assert answer.status is status
    assert answer.addresses == ()


def test_a_reply_claiming_records_it_does_not_hold_is_malformed() -> None:
    wire = bytearray(reply())
    wire[7] = 3  # ANCOUNT 3, but no answer follows
    assert decode_reply(bytes(wire)).status is ResponseStatus.MALFORMED


@pytest.mark.parametrize(
    ("text", "servers"),
    [
        ("system", None),
        ("127.0.0.1:5353", (("127.0.0.1", 5353),)),
        ("192.0.2.53", (("192.0.2.53", 53),)),
        ("[::1]:5300", (("::1", 5300),)),
        ("2001:db8::53", (("2001:db8::53", 53),)),
        ("127.0.0.1:53, 127.0.0.2:53", (("127.0.0.1", 53), ("127.0.0.2", 53))),
    ],
)
def test_resolver_addresses(text: str, servers: object) -> None:
    assert parse_resolver(text) == servers


@pytest.mark.parametrize("text", ["", "ns.example:53", "127.0.0.1:0", "127.0.0.1:99999", "[::1]:x"])
def test_bad_resolver_addresses_are_refused(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_resolver(text)
