"""Signed, expiring response links: how a customer's representative answers a case.

A token carries the case, the party that was told (the customer, or the partner that
answers for it) and the expiry; it is signed with HMAC-SHA256 under the installation's
secret key. Nothing is stored: a token is valid when its signature checks, it has not
expired, and the case still accepts answers (the service checks that last part).

Format: ``v1.<payload>.<signature>``, both parts base64url without padding; the payload
is compact JSON ``{"c": case id, "p": party id, "x": expiry (unix seconds), "r": reference}``.
The link is ``<public_url>/respond/<token>``; the API takes the same token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from abusedesk.domain.errors import InvalidInput

TOKEN_VERSION = "v1"  # noqa: S105 - a format version, not a secret
_PURPOSE = b"abusedesk.case-response."
MAX_TOKEN_LENGTH = 1024


class InvalidLink(InvalidInput):
    """The response link is malformed or its signature does not check."""


class ExpiredLink(InvalidLink):
    """The response link was genuine but has expired; ask for a new one."""


@dataclass(frozen=True, slots=True)
class ResponseGrant:
    """What a response link lets its holder do: answer one case, for one party, until then."""

    case_id: int
    reference: str
    party_id: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, _PURPOSE + TOKEN_VERSION.encode() + b"." + payload.encode("ascii"),
                      hashlib.sha256).digest()
    return _b64(digest)


def sign_response_token(grant: ResponseGrant, key: bytes) -> str:
    """The token for ``grant``; anyone holding it may answer the case until it expires."""
    payload = _b64(json.dumps(
        {"c": grant.case_id, "p": grant.party_id, "r": grant.reference,
         "x": int(grant.expires_at.timestamp())},
        separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{TOKEN_VERSION}.{payload}.{_signature(key, payload)}"


def verify_response_token(token: str, key: bytes, *, now: datetime) -> ResponseGrant:
    """The grant a token carries; ``InvalidLink`` or ``ExpiredLink`` when it is not good."""
    token = token.strip()
    parts = token.split(".")
    if len(token) > MAX_TOKEN_LENGTH or len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise InvalidLink("this response link is not one abusedesk issued")
    _, payload, signature = parts
    try:
        expected = _signature(key, payload)
    except UnicodeEncodeError:
        raise InvalidLink("this response link is not one abusedesk issued") from None
    if not hmac.compare_digest(expected, signature):
        raise InvalidLink("this response link is not valid (altered, or signed with another key)")
    try:
        fields = json.loads(_unb64(payload))
        grant = ResponseGrant(int(fields["c"]), str(fields["r"]), int(fields["p"]),
                              datetime.fromtimestamp(int(fields["x"]), UTC))
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidLink(f"this response link is damaged: {error}") from None
    if now >= grant.expires_at:
        raise ExpiredLink(f"this response link expired on {grant.expires_at:%Y-%m-%d %H:%M} UTC; "
                          f"reply to the notice of case {grant.reference} to get a new one")
    return grant


def response_link(public_url: str, token: str) -> str:
    """The URL a notice carries for ``token``."""
    return f"{public_url.rstrip('/')}/respond/{token}"
