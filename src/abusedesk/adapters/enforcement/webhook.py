"""The webhook executor: a signed JSON POST to the provider's own system.

The body is the request's payload as compact JSON (keys sorted). Headers:

    X-Abusedesk-Timestamp: <unix seconds>
    X-Abusedesk-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
    X-Abusedesk-Delivery: <action id>-<apply|lift>

The receiver recomputes the signature over the raw body, compares in constant time, and
rejects timestamps more than a few minutes old (a replay). Any 2xx answer means done;
anything else, or no answer within the timeout, is a failure recorded on the action.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import httpx

from abusedesk.domain.clock import Clock
from abusedesk.domain.enforcement import ExecutionRequest, ExecutionResult

SIGNATURE_HEADER = "X-Abusedesk-Signature"
TIMESTAMP_HEADER = "X-Abusedesk-Timestamp"
DELIVERY_HEADER = "X-Abusedesk-Delivery"
MAX_REPLY_SHOWN = 300


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: bytes, headers: Mapping[str, str], body: bytes, *, now: int,
           tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and the freshness of the timestamp."""
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), headers.get(SIGNATURE_HEADER, ""))


class WebhookExecutor:
    def __init__(self, url: str, secret: str, clock: Clock, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self._secret = secret.encode("utf-8")
        self._clock = clock
        self._timeout = timeout
        self._transport = transport
        self.name = f"webhook {httpx.URL(url).host}"

    def body(self, request: ExecutionRequest) -> bytes:
        return json.dumps(request.as_payload(), sort_keys=True,
                          separators=(",", ":")).encode("utf-8")

    def describe(self, request: ExecutionRequest) -> str:
        return f"POST {self.url} {self.body(request).decode('utf-8')}"

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        body = self.body(request)
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            DELIVERY_HEADER: f"{request.action_id}-{request.operation}",
        }
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport,
                              follow_redirects=False) as client:
                answer = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return ExecutionResult(False, f"{self.url} could not be reached: {error}", self.name)
        text = answer.text[:MAX_REPLY_SHOWN].strip()
        ok = 200 <= answer.status_code < 300
        return ExecutionResult(ok, f"{self.url} answered {answer.status_code}"
                                   f"{': ' + text if text else ''}", self.name)
