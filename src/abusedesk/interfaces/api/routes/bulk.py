"""Bulk-email compliance over the API: a customer's no-send list, address checks, and its
opt-in evidence requests and answers.

A customer or partner token sees only its own customers (``Principal.require_customer``);
another customer's list answers 404, as if it did not exist. Addresses are listed by the
SHA-256 of the normalised address (lower case, no brackets) and a masked hint.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from abusedesk.domain.bulk import NoSendEntry, OptInRequest
from abusedesk.domain.customers import Customer
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal
from abusedesk.services.bulk import MAX_ADDRESSES
from abusedesk.services.bulk_optin import MAX_EVIDENCE

router = APIRouter(tags=["bulk email"])


class NoSendOut(BaseModel):
    address_sha256: str = Field(description="SHA-256 (hex) of the lower-cased address")
    hint: str
    source: str
    added_at: datetime
    complaint_id: int | None


class CheckIn(BaseModel):
    addresses: list[str] = Field(min_length=1, max_length=MAX_ADDRESSES)


class CheckOut(BaseModel):
    address: str
    address_sha256: str
    listed: bool
    listed_since: datetime | None


class OptInOut(BaseModel):
    id: int
    case_id: int
    address_sha256: str
    hint: str
    clause_id: str
    requested_at: datetime
    due_at: datetime
    answered_at: datetime | None
    evidence: str | None
    overdue: bool


class EvidenceIn(BaseModel):
    evidence: str = Field(min_length=1, max_length=MAX_EVIDENCE,
                          description="where the confirmed opt-in record is, or what it shows")
    author: str = Field("", max_length=320)


def _entry(entry: NoSendEntry) -> NoSendOut:
    return NoSendOut(address_sha256=entry.address_sha256, hint=entry.hint,
                     source=entry.source.value, added_at=entry.added_at,
                     complaint_id=entry.complaint_id)


def _request(item: OptInRequest) -> OptInOut:
    return OptInOut(id=item.id, case_id=item.case_id, address_sha256=item.address_sha256,
                    hint=item.hint, clause_id=item.clause_id, requested_at=item.requested_at,
                    due_at=item.due_at, answered_at=item.answered_at, evidence=item.evidence,
                    overdue=item.overdue_at is not None)


def _visible_customer(request: Request, ref_or_id: str, principal: Principal) -> int:
    """The id of the customer the path names, if the principal may see it. Later calls
    take this id (an ``int``), never the text again: a customer whose reference is the
    number of another's id must not stand in for it."""
    customer: Customer = services_of(request).bulk.customer(ref_or_id)
    principal.require_customer(customer.id, f"customer {ref_or_id!r}")
    return customer.id


@router.get("/customers/{ref_or_id}/no-send", response_model=list[NoSendOut],
            summary="A customer's master no-send list")
def no_send_list(request: Request, ref_or_id: str,
                 principal: Principal = api(Permission.CUSTOMERS_READ)) -> list[NoSendOut]:
    customer_id = _visible_customer(request, ref_or_id, principal)
    _customer, entries = services_of(request).bulk.no_send(customer_id)
    return [_entry(entry) for entry in entries]


@router.post("/customers/{ref_or_id}/no-send/check", response_model=list[CheckOut],
             summary="Which addresses are on a customer's no-send list")
def no_send_check(request: Request, ref_or_id: str, body: CheckIn,
                  principal: Principal = api(Permission.CUSTOMERS_READ)) -> list[CheckOut]:
    customer_id = _visible_customer(request, ref_or_id, principal)
    return [CheckOut(address=item.address, address_sha256=item.address_sha256,
                     listed=item.listed,
                     listed_since=item.entry.added_at if item.entry else None)
            for item in services_of(request).bulk.check(customer_id, body.addresses)]


@router.get("/customers/{ref_or_id}/optin-requests", response_model=list[OptInOut],
            summary="A customer's opt-in evidence requests")
def optin_requests(request: Request, ref_or_id: str, open_only: bool = False,
                   principal: Principal = api(Permission.CUSTOMERS_READ)) -> list[OptInOut]:
    customer_id = _visible_customer(request, ref_or_id, principal)
    return [_request(item)
            for item in services_of(request).optin.requests(customer_id, open_only=open_only)]


@router.post("/optin-requests/{request_id}/evidence", response_model=OptInOut,
             summary="Answer an opt-in evidence request (customers and partners)")
def optin_evidence(request: Request, request_id: int, body: EvidenceIn,
                   principal: Principal = api(Permission.RESPOND)) -> OptInOut:
    answered = services_of(request).optin.answer(
        request_id, evidence=body.evidence, author=body.author or principal.name,
        via="api", visible=principal.sees_customer)
    return _request(answered)
