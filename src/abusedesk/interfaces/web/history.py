"""A customer's history as pages show it: its cases in every state, newest first."""

from __future__ import annotations

from typing import Any

from abusedesk.domain.cases import CaseState
from abusedesk.interfaces.api.casework import CaseQuery, list_cases
from abusedesk.services.access_rules import Principal

HISTORY_LIMIT = 100


def customer_cases(services: Any, customer_id: int, principal: Principal) -> list[Any]:
    """The customer's cases (as its own customer, not as a notified partner)."""
    query = CaseQuery(states=tuple(CaseState), customer=str(customer_id), limit=HISTORY_LIMIT)
    return [listing.case for listing in list_cases(services, principal, query)]
