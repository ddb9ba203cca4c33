"""Passwords with a real KDF, and random secrets stored only as digests.

Passwords are hashed with scrypt (RFC 7914) and a per-user random salt; the stored string
names its parameters, so they can be raised later and old hashes still verify (and are
re-hashed at the next sign-in). Tokens and session cookies are 256 random bits: their
SHA-256 is stored, which is enough because they cannot be guessed from a dictionary.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from abusedesk.domain.errors import InvalidInput

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
_MAXMEM = 128 * 1024 * 1024
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # a KDF over megabytes is a denial of service
TOKEN_PREFIX = "adk_"  # noqa: S105 - a marker, not a secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=_MAXMEM, dklen=_KEY_BYTES)


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$key`` for ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; false for any malformed hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(key)
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(encoded: str) -> bool:
    """True when ``encoded`` was made with weaker parameters than today's."""
    parts = encoded.split("$")
    return len(parts) != 6 or parts[:4] != ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


#: Verified against when the user does not exist, so timing does not tell who does.
DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + _b64(bytes(_KEY_BYTES))


def check_new_password(password: str, *, username: str) -> None:
    """Refuse passwords that are too short, too long, or the user name itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username.strip().lower():
        raise InvalidInput("the password must not be the user name")


def new_token() -> str:
    """A new API token as shown to its owner, once: ``adk_`` and 43 URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


def new_password() -> str:
    """A generated password (for demo users and resets): 20 URL-safe characters."""
    return secrets.token_urlsafe(15)


def digest(secret: str) -> str:
    """SHA-256 (hex) of a token or cookie value: what the database keeps."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_prefix(token: str) -> str:
    """The start of a token, shown in listings so owners can tell their tokens apart."""
    return token[: len(TOKEN_PREFIX) + 8]
