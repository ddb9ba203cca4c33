"""Events as the API shows them (under a complaint, and under a case)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class EventOut(BaseModel):
    # The API's contract, listed rather than derived from the domain's ``StoredEvent`` so a
    # new domain field does not appear in the API unannounced (no docstring: it would be
    # published as the schema's description); ``model_validate`` reads it off a stored event.
    model_config = ConfigDict(from_attributes=True)

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
