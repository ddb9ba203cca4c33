"""``/api/v1/actions`` and ``/api/v1/cases/{reference}/actions``: enforcement, with the
two-person rule (termination needs a second person's approval; never the requester's).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from abusedesk.domain.enforcement import ActionStatus, ChargeKind
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.policy import Action
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.casework import case_desk, visible_case
from abusedesk.interfaces.api.routes.case_schemas import ActionOut, ReasonIn, action_out
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(tags=["actions"])


class ActionIn(BaseModel):
    action: Action
    reason: str = Field(min_length=1, max_length=2000)
    dry_run: bool | None = Field(None, description="ask the executor what it would do only")


class ChargeIn(BaseModel):
    kind: ChargeKind
    description: str = Field(min_length=1, max_length=2000)
    quantity: str = Field(description="hours for time, units for materials")
    unit_price: str
    currency: str = Field(min_length=3, max_length=3)


class ChargeOut(BaseModel):
    id: int
    kind: str
    description: str
    quantity: str
    unit_price: str
    currency: str
    amount: str


@router.get("/actions", response_model=list[ActionOut],
            summary="Enforcement actions (of one case, or awaiting approval, ...)")
def list_actions(request: Request, case: str | None = Query(None, description="a reference"),
                 status: list[ActionStatus] | None = Query(None),
                 principal: Principal = api(Permission.CASES_READ)) -> list[ActionOut]:
    services = services_of(request)
    if case is not None:
        visible_case(services, principal, case)
    elif not principal.is_staff:
        raise InvalidInput("name the case whose actions you want (?case=REFERENCE)")
    found = case_desk(services).enforcement.actions(case, statuses=tuple(status or ()))
    return [action_out(a) for a in found]


@router.post("/cases/{reference}/actions", response_model=ActionOut, status_code=201,
             summary="Request an action (a termination then waits for a second person)")
def request_action(request: Request, reference: str, body: Annotated[ActionIn, Body()],
                   principal: Principal = api(Permission.ACTIONS_PROPOSE)) -> ActionOut:
    action = case_desk(services_of(request)).enforcement.request(
        reference, body.action, actor=principal.actor, reason=body.reason, dry_run=body.dry_run)
    return action_out(action)


@router.post("/actions/{action_id}/approve", response_model=ActionOut,
             summary="Approve an action awaiting a second person, and run it")
def approve(request: Request, action_id: int,
            principal: Principal = api(Permission.ACTIONS_APPROVE)) -> ActionOut:
    return action_out(case_desk(services_of(request)).enforcement.approve(
        action_id, approver=principal.actor))


@router.post("/actions/{action_id}/execute", response_model=ActionOut,
             summary="Run an approved action through its executor")
def execute(request: Request, action_id: int,
            principal: Principal = api(Permission.ACTIONS_PROPOSE)) -> ActionOut:
    return action_out(case_desk(services_of(request)).enforcement.execute(
        action_id, actor=principal.actor))


@router.post("/actions/{action_id}/cancel", response_model=ActionOut,
             summary="Cancel an action that has not run")
def cancel(request: Request, action_id: int, body: Annotated[ReasonIn, Body()],
           principal: Principal = api(Permission.ACTIONS_PROPOSE)) -> ActionOut:
    return action_out(case_desk(services_of(request)).enforcement.cancel(
        action_id, actor=principal.actor, reason=body.reason))


@router.post("/actions/{action_id}/lift", response_model=ActionOut,
             summary="Undo a suspension, host block or removal of access")
def lift(request: Request, action_id: int, body: Annotated[ReasonIn, Body()],
         principal: Principal = api(Permission.ACTIONS_PROPOSE)) -> ActionOut:
    return action_out(case_desk(services_of(request)).enforcement.lift(
        action_id, actor=principal.actor, reason=body.reason))


@router.post("/cases/{reference}/charges", response_model=ChargeOut, status_code=201,
             summary="Record time or materials spent on a case")
def add_charge(request: Request, reference: str, body: Annotated[ChargeIn, Body()],
               principal: Principal = api(Permission.ACTIONS_PROPOSE)) -> ChargeOut:
    charge = case_desk(services_of(request)).enforcement.add_charge(
        reference, kind=body.kind, description=body.description, quantity=body.quantity,
        unit_price=body.unit_price, currency=body.currency, actor=principal.actor)
    return ChargeOut(id=charge.id, kind=charge.kind.value, description=charge.description,
                     quantity=str(charge.quantity), unit_price=str(charge.unit_price),
                     currency=charge.currency, amount=str(charge.amount))
