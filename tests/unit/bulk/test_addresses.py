"""Complainant addresses: normalised once, hashed, redactions left out."""

from __future__ import annotations

import hashlib

import pytest

from abusedesk.domain.bulk import (
    address_digest,
    address_hint,
    complainant_addresses,
    normalise_address,
)
from abusedesk.domain.errors import InvalidInput


@pytest.mark.parametrize(("given", "normal"), [
    ("<Dana.Reader@Mailbox-Provider.example>", "dana.reader@mailbox-provider.example"),
    ("mailto:a.b+news@EXAMPLE.com.", "a.b+news@example.com"),
    ("joe@bücher.example", "joe@xn--bcher-kva.example"),
])
def test_addresses_are_normalised(given: str, normal: str) -> None:
    assert normalise_address(given) == normal
    assert address_digest(given) == hashlib.sha256(normal.encode()).hexdigest()


@pytest.mark.parametrize("bad", ["", "reader", "a b@example.com", "x@localhost", "@example.com",
                                 "a@b@example..com"])
def test_what_is_no_address_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_address(bad)


def test_the_hint_masks_the_local_part() -> None:
    assert address_hint("Dana.Reader@mailbox-provider.example") == "d***@mailbox-provider.example"


def test_complainants_come_from_recipient_details_without_redactions() -> None:
    details = {
        "removal_recipient": "<dana@mailbox-provider.example>",
        "complained_recipients": "a@example.org, xxxxxxx@example.net, redacted@example.net",
        "original_recipient": "DANA@mailbox-provider.example",
        "user_agent": "someone@example.com",  # not a recipient field
    }
    assert complainant_addresses(details) == ["dana@mailbox-provider.example", "a@example.org"]
