"""Restricted material (a policy clause marked ``restricted``, such as 2a): who may see it.

A complaint is restricted when any of its events maps to a restricted clause of the policy
version that classified it; a case is restricted when its clause is. Only principals with
``restricted:read`` (supervisors, admins) see such a complaint's content, and nobody is
shown it without asking: pages say it is restricted and offer nothing to render.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from abusedesk.domain.complaints import ComplaintRecord, RawCopy
from abusedesk.domain.errors import AccessDenied
from abusedesk.interfaces.api.wiring import complaint_records
from abusedesk.services.access_rules import Principal


def restricted_clauses(policies: Any) -> dict[int, frozenset[str]]:
    """Restricted clause ids by stored policy version id."""
    return {stored.id: frozenset(c.id for c in stored.policy.clauses if c.restricted)
            for stored in policies.versions()}


def events_restricted(events: Iterable[Any], by_version: dict[int, frozenset[str]]) -> bool:
    """True when any event maps to a clause that its policy version marks restricted."""
    return any(set(event.clause_ids) & by_version.get(event.policy_version_id, frozenset())
               for event in events)


def complaint_restriction(services: Any, complaint_id: int) -> tuple[bool, Sequence[Any]]:
    """Whether complaint ``complaint_id`` is restricted, and its stored events."""
    events = complaint_records(services.container).events(complaint_id)
    return events_restricted(events, restricted_clauses(services.policies)), events


def with_restriction(services: Any,
                     records: Iterable[ComplaintRecord]) -> list[tuple[ComplaintRecord, bool]]:
    """Each complaint record with whether it is restricted (for listings)."""
    listed = list(records)
    events = complaint_records(services.container).events_of(listed)
    by_version = restricted_clauses(services.policies)
    return [(record, events_restricted(events[record.id], by_version)) for record in listed]


def require_restricted_access(principal: Principal, restricted: bool, what: str) -> None:
    """Refuse restricted material to principals without ``restricted:read``."""
    if restricted and not principal.sees_restricted():
        raise AccessDenied(f"{what} is restricted material (a restricted clause); only "
                           "supervisors and admins may open it")


def readable_raw(services: Any, principal: Principal, complaint_id: int) -> RawCopy:
    """A complaint's stored bytes, refused when restricted to principals without
    ``restricted:read``."""
    restricted, _ = complaint_restriction(services, complaint_id)
    require_restricted_access(principal, restricted, f"complaint {complaint_id}")
    copy: RawCopy = complaint_records(services.container).raw(complaint_id)
    return copy
