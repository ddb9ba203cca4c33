"""Signed, expiring response links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.domain.cases_links import (
    ExpiredLink,
    InvalidLink,
    ResponseGrant,
    response_link,
    sign_response_token,
    verify_response_token,
)

KEY = b"k" * 32
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GRANT = ResponseGrant(42, "AD-2026-000042", 7, T0 + timedelta(days=30))


def test_a_token_carries_its_grant_until_it_expires() -> None:
    token = sign_response_token(GRANT, KEY)
    assert verify_response_token(token, KEY, now=T0) == GRANT
    assert verify_response_token(token, KEY, now=GRANT.expires_at - timedelta(seconds=1)) == GRANT
    with pytest.raises(ExpiredLink, match="AD-2026-000042"):
        verify_response_token(token, KEY, now=GRANT.expires_at)


def test_another_key_or_any_altered_character_is_refused() -> None:
    token = sign_response_token(GRANT, KEY)
    with pytest.raises(InvalidLink):
        verify_response_token(token, b"x" * 32, now=T0)
    version, payload, signature = token.split(".")
    for altered in (f"{version}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}",
                    f"{version}.{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
                    f"v2.{payload}.{signature}"):
        with pytest.raises(InvalidLink):
            verify_response_token(altered, KEY, now=T0)


def test_a_token_for_another_case_cannot_be_made_by_editing_the_payload() -> None:
    other = sign_response_token(ResponseGrant(43, "AD-2026-000043", 7, GRANT.expires_at), KEY)
    mine = sign_response_token(GRANT, KEY)
    spliced = f"v1.{other.split('.')[1]}.{mine.split('.')[2]}"
    with pytest.raises(InvalidLink):
        verify_response_token(spliced, KEY, now=T0)


@pytest.mark.parametrize("garbage", ["", "v1", "v1..", "v1.é.x", "v1.a.b.c", "x" * 5000,
                                     "v1.!!!.sig"])
def test_garbage_is_refused_cleanly(garbage: str) -> None:
    with pytest.raises(InvalidLink):
        verify_response_token(garbage, KEY, now=T0)


def test_a_genuine_signature_over_a_broken_payload_is_refused() -> None:
    import base64
    import hashlib
    import hmac

    payload = base64.urlsafe_b64encode(b'{"c":"x"}').rstrip(b"=").decode()
    mac = hmac.new(KEY, b"abusedesk.case-response.v1." + payload.encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
    with pytest.raises(InvalidLink, match="damaged"):
        verify_response_token(f"v1.{payload}.{signature}", KEY, now=T0)


def test_link_format() -> None:
    assert response_link("https://abuse.example/", "v1.a.b") == "https://abuse.example/respond/v1.a.b"
