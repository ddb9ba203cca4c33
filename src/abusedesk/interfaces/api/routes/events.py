"""Events as the API shows them (under a complaint, and under a case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventOut(BaseModel):
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
    clause_ids: list[str]
    policy_version_id: int
    classification_note: str | None
    customer_id: int | None
    notify_customer_id: int | None
    not_ours_reason: str | None
    reporter: str | None
    evidence: str | None


def event_out(event: Any) -> EventOut:
    """A stored event (``abusedesk.domain.complaints_events.StoredEvent``) for the API."""
    return EventOut(
        id=event.id, complaint_id=event.complaint_id, sequence=event.sequence,
        category=event.category, type=event.type, rsit_type=event.rsit_type,
        event_time=event.event_time, time_source=event.time_source, offender=event.offender,
        ip=event.ip, port=event.port, url=event.url, domain=event.domain, email=event.email,
        clause_ids=list(event.clause_ids), policy_version_id=event.policy_version_id,
        classification_note=event.classification_note, customer_id=event.customer_id,
        notify_customer_id=event.notify_customer_id, not_ours_reason=event.not_ours_reason,
        reporter=event.reporter, evidence=event.evidence)
