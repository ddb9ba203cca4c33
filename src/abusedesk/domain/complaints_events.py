"""Events of a processed complaint: classified under the policy in force, resolved to a customer.

The processing job turns a stored complaint into ``ResolvedEvent`` values: each parsed
``Event`` with the clauses it breaks under the policy version in force at its time, and the
customer who held its offender then. They are stored together with the complaint's new
status, replacing whatever an earlier run stored for that complaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from abusedesk.domain.events import Event, TimeSource
from abusedesk.domain.resolution import Resolution


def resolution_key(event: Event) -> str | None:
    """The resource an event is resolved by: its IP, else its URL's host, else its domain,
    else its e-mail address."""
    if event.ip is not None:
        return str(event.ip)
    if event.url:
        try:
            host = urlsplit(event.url).hostname
        except ValueError:
            host = None
        if host:
            return host.rstrip(".").lower()
    if event.domain:
        return event.domain.rstrip(".").lower()
    if event.email:
        return event.email.lower()
    return None


def event_moment(event: Event, received_at: datetime) -> tuple[datetime, TimeSource]:
    """The time an event is judged at (its own time, else the complaint's receipt)."""
    if event.event_time is not None:
        return event.event_time, event.time_source
    return received_at, TimeSource.RECEIVED


@dataclass(frozen=True, slots=True)
class ResolvedEvent:
    """One parsed event with its clauses, the policy version that gave them, and its customer.

    ``classification_note`` says why no clause applies (the policy's "not a violation"
    reason, or that the category is unmapped); ``resolution`` is None only when the event
    names nothing that can be resolved.
    """

    event: Event
    sequence: int
    at: datetime
    time_source: TimeSource
    offender: str | None
    clause_ids: tuple[str, ...]
    policy_version_id: int
    classification_note: str | None
    resolution: Resolution | None

    @property
    def not_ours_reason(self) -> str | None:
        if self.resolution is None:
            return "the event names no resource to resolve"
        return None if self.resolution.is_ours else (self.resolution.reason or "not ours")


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored for a complaint."""

    id: int
    complaint_id: int
    sequence: int
    category: str
    type: str
    rsit_type: str | None
    event_time: datetime
    time_source: str
    offender: str | None
    ip: str | None
    port: int | None
    url: str | None
    domain: str | None
    email: str | None
    clause_ids: tuple[str, ...]
    policy_version_id: int
    classification_note: str | None
    customer_id: int | None
    asset_id: int | None
    notify_customer_id: int | None
    not_ours_reason: str | None
    reporter: str | None
    evidence: str | None


class Outcome(StrEnum):
    """What one run of the processing job did."""

    PROCESSED = "processed"
    QUARANTINED = "quarantined"
    NOT_ABUSE = "not-abuse"
    SKIPPED = "skipped"  # nothing to do: already processed, a duplicate, or gone


@dataclass(frozen=True, slots=True)
class ProcessingResult:
    complaint_id: int
    outcome: Outcome
    events: int = 0
    reason: str | None = None
    format: str | None = None
