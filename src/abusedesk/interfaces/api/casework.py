"""Cases as the API, the staff UI and the portal reach them: through the case desk, scoped.

The case services (issue 6's ``CaseDesk``) know nothing of principals; this module puts the
principal's scope into every query (a customer sees its cases, a partner its own and its
customers'), hides restricted content from those without ``restricted:read``, and answers
"not found" for cases outside the scope, so their existence does not leak.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case
from abusedesk.domain.cases_ports import CaseFilter, CaseOrder
from abusedesk.domain.errors import InvalidInput
from abusedesk.services.access_rules import Principal, PrincipalKind

MAX_LIMIT = 500


def case_desk(services: Any) -> Any:
    """The case services of the app's container (built once, kept by the container)."""
    from abusedesk.interfaces.workers.cases import case_desk as build

    return build(services.container)


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """The queue's filters as given by a user; ``customer`` is a ref or an id.

    ``before_id`` pages on: the last case of the previous page, which the next page follows
    in ``order``.
    """

    states: tuple[CaseState, ...] = ()
    clause: str | None = None
    customer: str | None = None
    due_before: datetime | None = None
    attention: bool = False
    limit: int = 50
    before_id: int | None = None
    order: CaseOrder = CaseOrder.NEWEST

    @staticmethod
    def parse_states(values: list[str] | None) -> tuple[CaseState, ...]:
        """States given repeated or comma-separated, each once, in the order given."""
        states = [parse_state(part) for value in values or () for part in value.split(",")
                  if part.strip()]
        return tuple(dict.fromkeys(states))

    @staticmethod
    def parse_order(value: str | None) -> CaseOrder:
        try:
            return CaseOrder.parse(value)
        except ValueError as error:
            raise InvalidInput(str(error)) from None


def parse_state(value: str) -> CaseState:
    """The case state a user named; an unknown one is ``InvalidInput``."""
    try:
        return CaseState.parse(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _customer_id(services: Any, principal: Principal, ref: str | None) -> int | None:
    if not ref:
        return None
    customer = services.customers.get(ref.strip())
    principal.require_customer(customer.id, f"customer {ref!r}")
    return int(customer.id)


def case_filter(services: Any, principal: Principal, query: CaseQuery) -> CaseFilter | None:
    """The repository filter for ``query`` within the principal's scope; None: nothing."""
    from abusedesk.services.cases_queries import OPEN_STATES

    values: dict[str, Any] = {
        "states": query.states or OPEN_STATES,
        "clause_id": query.clause or None,
        "include_restricted": True,
        "needs_attention": query.attention,
        "due_before": query.due_before,
        "order": query.order,
    }
    wanted = _customer_id(services, principal, query.customer)
    if principal.kind is PrincipalKind.PARTNER:
        values["party_id"] = principal.customer_id
    elif principal.kind is PrincipalKind.CUSTOMER:
        values["customer_id"] = principal.customer_id
        if wanted is not None and wanted != principal.customer_id:
            return None
    if wanted is not None:
        values["customer_id"] = wanted
    return CaseFilter(**values)


def list_cases(services: Any, principal: Principal, query: CaseQuery) -> list[Any]:
    """Case listings (``CaseListing``) for the queue in ``query.order``, within scope.

    Every filter, ``due_before`` included, is applied by the database, so a page is full
    whenever that many cases match.
    """
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    selection = case_filter(services, principal, query)
    if selection is None:
        return []
    found = case_desk(services).queries.list(selection, limit=query.limit,
                                             before_id=query.before_id)
    # The filter already holds the principal's scope; this is a second lock on the door.
    return [listing for listing in found if principal.sees_customer(listing.case.customer_id)]


def visible_case(services: Any, principal: Principal, reference: str) -> Case:
    """The case ``reference`` if the principal may see it; otherwise ``NotFound``."""
    detail = case_desk(services).queries.detail(reference)
    principal.require_customer(detail.case.customer_id, f"case {reference!r}")
    return detail.case  # type: ignore[no-any-return]


def case_detail(services: Any, principal: Principal, reference: str, *,
                reveal: bool = False) -> Any:
    """A case in full; restricted content only when asked for by someone allowed to see it
    (the reveal is audited by the case service)."""
    queries = case_desk(services).queries
    detail = queries.detail(reference)
    principal.require_customer(detail.case.customer_id, f"case {reference!r}")
    if reveal and detail.case.restricted and principal.sees_restricted():
        detail = queries.detail(reference, reveal=True, actor=principal.actor)
    return detail


def customer_view(detail: Any, principal: Principal) -> Any:
    """What a customer or partner sees of a case: never restricted content or staff notes."""
    if principal.is_staff:
        return detail
    return dataclasses.replace(detail, history=(), charges=(), referrals=(),
                               events=() if detail.case.restricted else detail.events)
