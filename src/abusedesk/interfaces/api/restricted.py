"""Restricted material (a policy clause marked ``restricted``, such as 2a): who may see it.

A complaint is restricted when any of its events maps to a restricted clause of the policy
version that classified it; a case is restricted when its clause is. Only principals with
``restricted:read`` (supervisors, admins) see such a complaint's content, and nobody is
shown it without asking: pages say it is restricted and offer nothing to render.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from abusedesk.domain.errors import AccessDenied
from abusedesk.services.access_rules import Principal


def restricted_clauses(policies: Any) -> dict[int, frozenset[str]]:
    """Restricted clause ids by stored policy version id."""
    return {stored.id: frozenset(c.id for c in stored.policy.clauses if c.restricted)
            for stored in policies.versions()}


def events_restricted(events: Iterable[Any], by_version: dict[int, frozenset[str]]) -> bool:
    """True when any event maps to a clause that its policy version marks restricted."""
    return any(set(event.clause_ids) & by_version.get(event.policy_version_id, frozenset())
               for event in events)


def require_restricted_access(principal: Principal, restricted: bool, what: str) -> None:
    """Refuse restricted material to principals without ``restricted:read``."""
    if restricted and not principal.sees_restricted():
        raise AccessDenied(f"{what} is restricted material (a restricted clause); only "
                           "supervisors and admins may open it")
