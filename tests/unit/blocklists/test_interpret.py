"""Giving DNS answers their blocklist meaning, with the built-in zone data (ZEN, DBL, SURBL...)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from abusedesk.adapters.dns.zone_file import load_zones
from abusedesk.domain.blocklists_zones import (
    DnsAnswer,
    ErrorKind,
    LookupResult,
    Outcome,
    ResponseStatus,
    Zone,
    interpret,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ZONES = {zone.name: zone for zone in load_zones()}


def answer(*addresses: str, texts: tuple[str, ...] = ()) -> DnsAnswer:
    return DnsAnswer(ResponseStatus.NOERROR, addresses, texts, evidence="x. 60 IN A ...")


def ask(zone: Zone, reply: DnsAnswer, entry: str = "192.0.2.9") -> LookupResult:
    return interpret(zone, entry, f"q.{zone.domain}", reply, AT, asset="192.0.2.0/24", ref="a1")


def test_zen_sbl_and_xbl_codes_carry_their_meanings_and_txt() -> None:
    result = ask(ZONES["spamhaus-zen"], answer("127.0.0.4", "127.0.0.2", texts=("https://check",)))
    assert result.outcome is Outcome.LISTED
    assert result.codes == ("127.0.0.2", "127.0.0.4")
    assert result.meanings[0].startswith("SBL") and result.meanings[1].startswith("XBL")
    assert result.txt == ("https://check",)
    assert (result.asset, result.ref, result.checked_at) == ("192.0.2.0/24", "a1", AT)


@pytest.mark.parametrize("code", ["127.255.255.254", "127.255.255.255", "127.255.255.252"])
def test_zen_refusal_codes_are_errors_not_listings(code: str) -> None:
    result = ask(ZONES["spamhaus-zen"], answer(code))
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.LIST_REFUSED
    assert code in result.detail
    assert result.codes == (code,)  # the answer is kept as evidence of the refusal


def test_an_undeclared_127_255_255_code_is_still_a_refusal() -> None:
    result = ask(ZONES["spamcop"], answer("127.255.255.253"))
    assert result.error is ErrorKind.LIST_REFUSED


def test_a_refusal_among_listing_codes_wins() -> None:
    result = ask(ZONES["spamhaus-zen"], answer("127.0.0.2", "127.255.255.254"))
    assert result.outcome is Outcome.ERROR


def test_dbl_refuses_ip_queries_with_its_own_code() -> None:
    result = ask(ZONES["spamhaus-dbl"], answer("127.0.1.255"), entry="example.com")
    assert result.error is ErrorKind.LIST_REFUSED
    assert "IP address" in result.detail


def test_surbl_bitmask_decodes_every_bit() -> None:
    result = ask(ZONES["surbl-multi"], answer("127.0.0.72"), entry="bad.example")
    assert result.outcome is Outcome.LISTED
    assert [m.split(":")[0] for m in result.meanings] == ["SURBL PH", "SURBL ABUSE"]


def test_uribl_blocked_answer_is_an_error() -> None:
    result = ask(ZONES["uribl-multi"], answer("127.0.0.1"), entry="example.com")
    assert result.error is ErrorKind.LIST_REFUSED


def test_unknown_loopback_code_is_a_listing_with_an_unknown_meaning() -> None:
    result = ask(ZONES["spamcop"], answer("127.0.0.77"))
    assert result.outcome is Outcome.LISTED
    assert result.meanings == ("unknown return code 127.0.0.77",)


def test_answer_outside_loopback_is_a_bad_answer() -> None:
    # what an ISP resolver that rewrites NXDOMAIN to its search page returns
    result = ask(ZONES["spamcop"], answer("203.0.113.80"))
    assert result.outcome is Outcome.ERROR
    assert result.error is ErrorKind.BAD_ANSWER


def test_non_ipv4_address_text_is_a_bad_answer() -> None:
    assert ask(ZONES["spamcop"], answer("not-an-ip")).error is ErrorKind.BAD_ANSWER


@pytest.mark.parametrize(
    "reply", [DnsAnswer(ResponseStatus.NXDOMAIN), DnsAnswer(ResponseStatus.NOERROR)]
)
def test_nxdomain_and_nodata_are_not_listed(reply: DnsAnswer) -> None:
    result = ask(ZONES["spamhaus-zen"], reply)
    assert result.outcome is Outcome.NOT_LISTED
    assert result.error is None and not result.codes


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (ResponseStatus.TIMEOUT, ErrorKind.TIMEOUT),
        (ResponseStatus.SERVFAIL, ErrorKind.SERVFAIL),
        (ResponseStatus.REFUSED, ErrorKind.REFUSED),
        (ResponseStatus.OTHER_RCODE, ErrorKind.OTHER_RCODE),
        (ResponseStatus.UNREACHABLE, ErrorKind.UNREACHABLE),
        (ResponseStatus.MALFORMED, ErrorKind.BAD_ANSWER),
    ],
)
def test_failed_exchanges_are_errors_of_their_kind(status: ResponseStatus, kind: ErrorKind) -> None:
    result = ask(ZONES["spamhaus-zen"], DnsAnswer(status, detail="why"))
    assert result.outcome is Outcome.ERROR
    assert result.error is kind
    assert result.detail == "why"
    assert not result.listed
