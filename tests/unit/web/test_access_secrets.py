"""Password hashing with scrypt, and secrets kept as digests."""

from __future__ import annotations

import hashlib

import pytest

from abusedesk.domain.errors import InvalidInput
from abusedesk.services import access_secrets as secrets_module
from abusedesk.services.access_secrets import (
    check_new_password,
    digest,
    hash_password,
    needs_rehash,
    new_token,
    token_prefix,
    verify_password,
)


def test_a_password_verifies_against_its_own_hash_only() -> None:
    first = hash_password("correct horse battery")
    second = hash_password("correct horse battery")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$32768$8$1$")
    assert "correct horse" not in first
    assert verify_password("correct horse battery", first)
    assert verify_password("correct horse battery", second)
    assert not verify_password("correct horse batterY", first)
    assert not verify_password("", first)


@pytest.mark.parametrize("broken", ["", "plain", "scrypt$1$2$3", "md5$x$y$z$a$b",
                                    "scrypt$x$8$1$AAAA$BBBB", "scrypt$32768$8$1$***$***"])
def test_a_malformed_hash_never_verifies_and_never_raises(broken: str) -> None:
    assert not verify_password("anything at all", broken)


def test_weaker_parameters_are_recognised_for_rehashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets_module, "SCRYPT_N", 2**14)
    weak = hash_password("correct horse battery")
    monkeypatch.undo()
    assert weak.startswith("scrypt$16384$")
    assert verify_password("correct horse battery", weak)  # old hashes still verify
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("correct horse battery"))


def test_new_passwords_are_checked() -> None:
    with pytest.raises(InvalidInput, match="at least 12"):
        check_new_password("short", username="ana")
    with pytest.raises(InvalidInput, match="not be the user name"):
        check_new_password("Ana.Lyst.2026", username="ana.lyst.2026")
    with pytest.raises(InvalidInput, match="at most"):
        check_new_password("x" * 2000, username="ana")
    check_new_password("a long enough passphrase", username="ana")


def test_tokens_are_random_and_stored_as_their_sha256() -> None:
    token = new_token()
    assert token.startswith("adk_") and len(token) == 47
    assert new_token() != token
    assert digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token_prefix(token) == token[:12]
