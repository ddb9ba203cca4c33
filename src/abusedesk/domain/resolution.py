"""Resolution: which customer held an offending resource at a moment, and whom to tell.

Produced by the resolution service (``abusedesk.services.resolution``) from customer assets
with validity windows; consumed by complaint processing, cases and notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer for one (resource, time) question.

    ``customer_id`` is the customer who held the resource; ``notify_customer_id`` is the
    party that must be told (the customer itself, or the wholesale partner answering for
    it). When the resource is not ours both are None and ``reason`` says why.
    """

    query: str
    at: datetime
    customer_id: int | None = None
    customer_name: str | None = None
    asset_id: int | None = None
    matched: str | None = None  # the prefix, domain, hostname or ASN that matched
    notify_customer_id: int | None = None
    reason: str | None = None
    # Added by the customers work: readable names and the window that matched.
    customer_ref: str | None = None
    asset_kind: str | None = None  # "prefix", "domain", "hostname" or "asn"
    valid_from: datetime | None = None  # the matched window; None: unbounded
    valid_until: datetime | None = None
    notify_customer_ref: str | None = None
    notify_customer_name: str | None = None

    @property
    def is_ours(self) -> bool:
        return self.customer_id is not None


class Resolver(Protocol):
    def resolve(self, value: str, *, at: datetime) -> Resolution:
        """Resolve an IP address, host name, URL or e-mail address at time ``at``."""
        ...
