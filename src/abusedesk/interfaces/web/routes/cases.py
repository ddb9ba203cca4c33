"""The case queue and the case page: filters, deadline indicators, events, timeline, the
complaint shown safely, and every move staff can make on a case."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from abusedesk.domain.cases import TRANSITIONS, CaseState
from abusedesk.domain.cases_ports import CaseOrder
from abusedesk.domain.errors import InvalidInput, NotFound
from abusedesk.domain.policy import Action
from abusedesk.interfaces.api.auth import staff
from abusedesk.interfaces.api.casework import (
    CaseQuery,
    case_desk,
    case_detail,
    list_cases,
    parse_state,
    visible_case,
)
from abusedesk.interfaces.api.restricted import with_restriction
from abusedesk.interfaces.api.routes.case_schemas import timeline
from abusedesk.interfaces.api.wiring import complaint_records, services_of
from abusedesk.interfaces.values import parse_moment
from abusedesk.interfaces.web.raw_view import raw_view
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
#: The queue's sort choices: (value, label); the empty value is the default, newest first.
ORDERS = (("", "newest first"), (CaseOrder.DUE.value, "most urgent first"))
#: Moves offered on the case page; suspension and termination come from actions.
MANUAL_TARGETS = tuple(s for s in CaseState if s not in (CaseState.SUSPENDED, CaseState.TERMINATED))


def _moment(value: str) -> datetime | None:
    return parse_moment(value.strip()) if value.strip() else None


@router.get("/cases")
def queue_page(request: Request, state: Annotated[list[str] | None, Query()] = None,
               clause: str = "", customer: str = "", due_before: str = "",
               attention: bool = False, order: str = "", before_id: int | None = None,
               principal: Principal = staff(Permission.CASES_READ)) -> Response:
    services = services_of(request)
    chosen_states = [s for s in state or [] if s]
    params: dict[str, Any] = {"state": chosen_states, "clause": clause, "customer": customer,
                              "due_before": due_before,
                              "attention": "true" if attention else "", "order": order}
    listings: list[Any] = []
    problem = None
    # A filter that names nothing (a mistyped customer ref, a bad time) is said on the queue
    # itself, with the filters kept to correct: an error page would lose them, and the
    # queue's htmx requests would not show it at all.
    try:
        states = CaseQuery.parse_states(chosen_states)
        chosen_order = CaseQuery.parse_order(order)
        params["order"] = "" if chosen_order is CaseOrder.NEWEST else chosen_order.value
        query = CaseQuery(states=states, clause=clause.strip() or None,
                          customer=customer.strip() or None, due_before=_moment(due_before),
                          attention=attention, limit=PAGE_SIZE, before_id=before_id,
                          order=chosen_order)
        params["state"] = [s.value for s in states]
        listings = list_cases(services, principal, query)
    except InvalidInput as error:
        problem = str(error)
    except NotFound:  # the one record a filter names is the customer
        problem = f"no customer {customer.strip()!r}; the Customers page lists every reference"
    clauses = services.policies.in_force().stored.policy.clauses
    return render(request, "queue.html", {
        "listings": listings, "params": params, "states": CaseState.choices(),
        "orders": ORDERS, "problem": problem,
        "chosen_states": params["state"],
        "clauses": [c for c in clauses if c.is_violation],
        "older": listings[-1].case.id if len(listings) == PAGE_SIZE else None,
    })


def _case_complaints(services: Any, detail: Any, principal: Principal) -> list[dict[str, Any]]:
    """The complaints behind a case's events, newest first, each prepared for display.

    A complaint can be restricted when its case is not (another of its events maps to a
    restricted clause); its content is then withheld as on the complaint's own page.
    """
    records = complaint_records(services.container)
    newest_first = sorted(detail.events, key=lambda e: e.joined_at, reverse=True)
    complaint_ids = list(dict.fromkeys(event.complaint_id for event in newest_first))[:5]
    shown = []
    for index, (record, restricted) in enumerate(
            with_restriction(services, [records.get(cid) for cid in complaint_ids])):
        withheld = restricted and not principal.sees_restricted()
        view = None
        if index == 0 and not withheld:  # the newest in full; the others by link
            copy = records.raw(record.id)
            view = raw_view(copy.data, copy.content_type.value)
        shown.append({"record": record, "view": view, "withheld": withheld})
    return shown


@router.get("/cases/{reference}")
def case_page(request: Request, reference: str, reveal: bool = False, done: str = "",
              principal: Principal = staff(Permission.CASES_READ)) -> Response:
    services = services_of(request)
    detail = case_detail(services, principal, reference, reveal=reveal)
    case = detail.case
    link = request.query_params.get("link")
    return render(request, "case.html", {
        "detail": detail, "case": case, "timeline": timeline(detail, staff=True),
        "complaints": [] if detail.content_withheld
                      else _case_complaints(services, detail, principal),
        "targets": [s for s in MANUAL_TARGETS if s in TRANSITIONS[case.state]],
        "actions": list(Action), "done": done[:200], "response_link": link,
        "awaiting": [a for a in detail.actions if a.status.value == "awaiting-approval"],
        "optin_requests": services.optin.case_requests(case.id),
        "notices_by_id": {notice.id: notice for notice in detail.notices},
    })


def _back(reference: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(reference, safe='')}?{urlencode({'done': done})}",
                            status_code=303)


@router.post("/cases/{reference}/transition")
def transition(request: Request, reference: str, to: Annotated[str, Form()],
               reason: Annotated[str, Form(min_length=1, max_length=2000)],
               principal: Principal = staff(Permission.CASES_WORK)) -> Response:
    case = case_desk(services_of(request)).cases.transition(
        reference, parse_state(to), actor=principal.actor, reason=reason)
    return _back(case.reference, f"moved to {case.state.label}")


@router.post("/cases/{reference}/clock")
def clock(request: Request, reference: str, change: Annotated[str, Form()],
          reason: Annotated[str, Form(min_length=1, max_length=2000)],
          principal: Principal = staff(Permission.CASES_WORK)) -> Response:
    cases = case_desk(services_of(request)).cases
    if change not in ("pause", "resume"):
        raise InvalidInput("change must be pause or resume")
    method = cases.pause if change == "pause" else cases.resume
    case = method(reference, actor=principal.actor, reason=reason)
    return _back(case.reference, f"deadline {change}d")


@router.post("/cases/{reference}/notify")
def notify(request: Request, reference: str,
           principal: Principal = staff(Permission.CASES_WORK)) -> Response:
    case_desk(services_of(request)).notifications.notify(reference, actor=principal.actor)
    return _back(reference, "notice queued")


@router.post("/cases/{reference}/link")
def response_link(request: Request, reference: str,
                  principal: Principal = staff(Permission.CASES_WORK)) -> Response:
    services = services_of(request)
    case = visible_case(services, principal, reference)
    link = case_desk(services).responses.link(reference)
    return render(request, "case_link.html", {"case": case, "link": link})


@router.post("/cases/{reference}/referral")
def referral(request: Request, reference: str,
             authority: Annotated[str, Form(min_length=1, max_length=300)],
             external_reference: Annotated[str, Form(max_length=300)] = "",
             note: Annotated[str, Form(max_length=2000)] = "",
             principal: Principal = staff(Permission.CASES_WORK)) -> Response:
    case_desk(services_of(request)).cases.refer(
        reference, authority=authority, external_reference=external_reference or None,
        actor=principal.actor, note=note or None)
    return _back(reference, "referral recorded")


@router.post("/cases/{reference}/actions")
def request_action(request: Request, reference: str, action: Annotated[str, Form()],
                   reason: Annotated[str, Form(min_length=1, max_length=2000)],
                   dry_run: Annotated[bool, Form()] = False,
                   principal: Principal = staff(Permission.ACTIONS_PROPOSE)) -> Response:
    try:
        chosen = Action(action)
    except ValueError:
        raise InvalidInput(f"{action!r} is not an action") from None
    done = case_desk(services_of(request)).enforcement.request(
        reference, chosen, actor=principal.actor, reason=reason, dry_run=dry_run or None)
    return _back(reference, f"{done.action.value}: {done.status.label}")


@router.post("/actions/{action_id}/approve")
def approve_action(request: Request, action_id: int, reference: Annotated[str, Form()],
                   principal: Principal = staff(Permission.ACTIONS_APPROVE)) -> Response:
    done = case_desk(services_of(request)).enforcement.approve(action_id,
                                                               approver=principal.actor)
    return _back(reference, f"{done.action.value}: {done.status.label}")


@router.post("/actions/{action_id}/execute")
def execute_action(request: Request, action_id: int, reference: Annotated[str, Form()],
                   principal: Principal = staff(Permission.ACTIONS_PROPOSE)) -> Response:
    done = case_desk(services_of(request)).enforcement.execute(action_id, actor=principal.actor)
    return _back(reference, f"{done.action.value}: {done.status.label}")


@router.post("/actions/{action_id}/cancel")
def cancel_action(request: Request, action_id: int, reference: Annotated[str, Form()],
                  reason: Annotated[str, Form(min_length=1, max_length=2000)],
                  principal: Principal = staff(Permission.ACTIONS_PROPOSE)) -> Response:
    done = case_desk(services_of(request)).enforcement.cancel(action_id, actor=principal.actor,
                                                              reason=reason)
    return _back(reference, f"{done.action.value}: {done.status.label}")


@router.post("/actions/{action_id}/lift")
def lift_action(request: Request, action_id: int, reference: Annotated[str, Form()],
                reason: Annotated[str, Form(min_length=1, max_length=2000)],
                principal: Principal = staff(Permission.ACTIONS_PROPOSE)) -> Response:
    done = case_desk(services_of(request)).enforcement.lift(action_id, actor=principal.actor,
                                                            reason=reason)
    return _back(reference, f"{done.action.value}: {done.status.label}")
