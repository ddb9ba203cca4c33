"""Each PII detector on realistic text: what it must find, and near misses it must not."""

from __future__ import annotations

import pytest

from abusedesk.scanning.cards import brand_of, find_cards, luhn_ok
from abusedesk.scanning.emails import find_emails
from abusedesk.scanning.findings import mask, mask_email
from abusedesk.scanning.ibans import checksum_ok, find_ibans
from abusedesk.scanning.identity import find_passports, find_ssns, ssn_ok
from abusedesk.scanning.phones import find_phones
from abusedesk.scanning.pii import find_pii
from tests.unit.scanning.samples import CUSTOMER_DUMP, iban_with_check


def test_masking_keeps_only_the_last_four() -> None:
    assert mask("4111 1111 1111 1111") == "************1111"
    assert mask("DE89 3704 0044 0532 0130 00") == "******************3000"
    assert mask_email("jane.roe@example.com") == "j***@example.com"


@pytest.mark.parametrize(("number", "brand"), [
    ("4556737589501235", "visa"), ("4916300000123454", "visa"),
    ("5312678901234562", "mastercard"), ("2221001234567896", "mastercard"),
    ("349876543210986", "amex"), ("6011987654321019", "discover"),
    ("3530123456789018", "jcb"), ("30123456789019", "diners"),
    ("6201234567890123", "unionpay"),
])
def test_card_brands_and_luhn(number: str, brand: str) -> None:
    assert luhn_ok(number) and brand_of(number) == brand
    hits = list(find_cards(f"card: {number}"))
    assert [(h.masked, h.label) for h in hits] == [("*" * (len(number) - 4) + number[-4:],
                                                     brand)]
    assert hits[0].confidence >= 0.9


def test_cards_with_separators_as_printed() -> None:
    text = "Visa 4556 7375 8950 1235, Amex 3498-765432-10986, MC 5312-6789-0123-4562"
    assert [h.label for h in find_cards(text)] == ["visa", "amex", "mastercard"]


@pytest.mark.parametrize("text", [
    "order 4111111111111112 shipped",           # fails Luhn
    "invoice 1234567812345678",                 # no brand, fails Luhn
    "0000000000000000",                         # repeated digit passes Luhn: refused
    "tracking 9400111899223345678901",          # longer than any card
    "4111 1111 1111 1111 1",                    # 17 digits: no Visa length
    "41111 11111 11111 1",                      # not a printed grouping
    "4111-1111 1111-1111",                      # mixed separators
    "x=0.4111111111111111",                     # a decimal fraction
    "build 1234-5678-9012",                     # too short
])
def test_no_card_in_near_misses(text: str) -> None:
    assert list(find_cards(text)) == []


def test_a_solid_luhn_run_without_card_words_is_less_certain() -> None:
    (hit,) = find_cards("note 4556737589501235")
    assert hit.confidence < 0.9


def test_ibans_compact_grouped_and_lower_case() -> None:
    text = ("IBAN: DE44 5001 0517 5407 3249 31; GB02NWBK60161331926820 and "
            "nl44rabo0123456789.")
    assert [(h.label, h.masked[-4:]) for h in find_ibans(text)] == [
        ("DE", "4931"), ("GB", "6820"), ("NL", "6789")]


def test_generated_ibans_of_several_countries() -> None:
    for country, bban in [("FR", "30006000011234567890189"), ("ES", "00491500051234567892"),
                          ("BE", "310180201234"), ("NO", "12345678903")]:
        iban = iban_with_check(country, bban)
        assert checksum_ok(iban)
        assert [h.label for h in find_ibans(f"pay to {iban} today")] == [country]


@pytest.mark.parametrize("text", [
    "DE88 3704 0044 0532 0130 00",       # wrong check digits
    "DE89 3704 0044 0532 0130",          # too short for DE
    "DE89370400440532013000123",         # too long for DE
    "ZZ89370400440532013000",            # unknown country
    "DE89 3704 0044 0532 0130 00XY",     # runs on
])
def test_no_iban_in_near_misses(text: str) -> None:
    assert list(find_ibans(text)) == []


def test_phones_international_and_national_with_context() -> None:
    hits = list(find_phones("call +44 20 7946 0958 or, tel. (202) 555-0143; ref 2026-03-01"))
    assert [h.masked for h in hits] == ["+********0958", "******0143"]
    assert list(find_phones("total 202 555 0143 items")) == []  # no phone word, no +
    assert list(find_phones("v+1.2.3 and +12 3")) == []


def test_emails_reuse_the_parsers_pattern() -> None:
    assert [h.masked for h in find_emails("write to Jane.Roe@Example.com now")] == [
        "j***@example.com"]


def test_ssn_needs_context_and_issuable_numbers() -> None:
    assert [h.masked for h in find_ssns("SSN: 219-45-6789")] == ["*****6789"]
    assert [h.masked for h in find_ssns("social security no 219456789")] == ["*****6789"]
    assert list(find_ssns("call 219-45-6789")) == []  # no SSN word
    for bad in ("000-45-6789", "666-45-6789", "912-45-6789", "219-00-6789", "219-45-0000",
                "078-05-1120"):
        assert list(find_ssns(f"SSN {bad}")) == [], bad
    assert not ssn_ok("900", "12", "3456") and ssn_ok("123", "45", "6780")


def test_passports_need_context_and_format() -> None:
    assert [h.masked for h in find_passports("Passport no. X12345678")] == ["*****5678"]
    assert [h.masked for h in find_passports("passport: 123456789")] == ["*****6789"]
    assert list(find_passports("order X12345678")) == []
    assert list(find_passports("passport: 12345")) == []


def test_all_detectors_on_a_dump_without_double_counting() -> None:
    hits = find_pii(CUSTOMER_DUMP.decode())
    by_detector: dict[str, int] = {}
    for hit in hits:
        by_detector[hit.detector] = by_detector.get(hit.detector, 0) + 1
    assert by_detector == {"credit-card": 3, "email": 3, "phone": 2}
    text = " ".join(h.masked for h in hits)
    assert "4556 7375" not in text and "349876543210986" not in text
