"""``/api/v1/customers``: customers with their assets and hierarchy; import; resolution.

A customer or partner token sees only its own customers (a partner: itself and the
customers below it); asking for another customer answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.clock import as_utc
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.bodies import bounded_body, utf8_text
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(prefix="/customers", tags=["customers"])
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class RepresentativeOut(BaseModel):
    name: str | None
    email: str
    phone: str | None
    verified_at: datetime | None


class CustomerOut(BaseModel):
    id: int
    ref: str
    name: str
    kind: str
    parent_ref: str | None
    notify_ref: str = Field(description="the party notices go to (a partner answers for "
                                        "its customers)")
    open_assets: int
    representative: RepresentativeOut | None


class AssetOut(BaseModel):
    id: int
    kind: str
    value: str
    valid_from: datetime | None
    valid_until: datetime | None


class NodeOut(BaseModel):
    id: int
    ref: str
    name: str
    kind: str


class CustomerDetail(BaseModel):
    id: int
    ref: str
    name: str
    kind: str
    parent: NodeOut | None
    notify: NodeOut
    children: list[NodeOut]
    representative: RepresentativeOut | None
    carriers: list[str]
    assets: list[AssetOut]
    binding_policy: str | None = Field(description="the policy version binding the customer")
    consents: list[dict[str, Any]]


class ImportOut(BaseModel):
    applied: bool
    dry_run: bool
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    assets_added: int
    assets_changed: int
    errors: list[str]


class ResolutionOut(BaseModel):
    query: str
    at: datetime
    ours: bool
    customer_id: int | None
    customer_ref: str | None
    customer_name: str | None
    matched: str | None
    asset_kind: str | None
    notify_customer_ref: str | None
    reason: str | None


def _rep(customer: Any) -> RepresentativeOut | None:
    rep = customer.representative
    if rep is None:
        return None
    return RepresentativeOut(name=rep.name, email=rep.email, phone=rep.phone,
                             verified_at=rep.verified_at)


def _node(node: Any) -> NodeOut:
    return NodeOut(id=node.id, ref=node.ref, name=node.name, kind=node.kind.value)


def asset_out(asset: Any) -> AssetOut:
    return AssetOut(id=asset.id, kind=asset.kind.value, value=asset.value,
                    valid_from=asset.valid_from, valid_until=asset.valid_until)


@router.get("", response_model=list[CustomerOut], summary="Customers visible to the caller")
def list_customers(request: Request,
                   principal: Principal = api(Permission.CUSTOMERS_READ)) -> list[CustomerOut]:
    return [CustomerOut(id=s.customer.id, ref=s.customer.ref, name=s.customer.name,
                        kind=s.customer.kind.value, parent_ref=s.parent_ref,
                        notify_ref=s.notify_ref, open_assets=s.open_assets,
                        representative=_rep(s.customer))
            for s in services_of(request).customers.summaries()
            if principal.sees_customer(s.customer.id)]


@router.get("/resolve", response_model=ResolutionOut,
            summary="Which customer held an address, name or URL at a moment")
def resolve(request: Request, resource: str = Query(..., max_length=2000),
            at: datetime | None = Query(None, description="ISO 8601; default now"),
            principal: Principal = api(Permission.COMPLAINTS_READ)) -> ResolutionOut:
    # complaints:read, not customers:read: it tells who holds any resource (staff only)
    services = services_of(request)
    moment = as_utc(at) if at else services.container.clock.now()
    found = services.resolver.resolve(resource, at=moment)
    return ResolutionOut(query=found.query, at=found.at, ours=found.is_ours,
                         customer_id=found.customer_id, customer_ref=found.customer_ref,
                         customer_name=found.customer_name, matched=found.matched,
                         asset_kind=found.asset_kind,
                         notify_customer_ref=found.notify_customer_ref, reason=found.reason)


def customer_detail(request: Request, ref_or_id: str, principal: Principal) -> CustomerDetail:
    """A customer's details, refused as not found outside the principal's customers."""
    services = services_of(request)
    details = services.customers.details(ref_or_id)
    customer = details.customer
    principal.require_customer(customer.id, f"customer {ref_or_id!r}")
    children = [c for c in details.children if principal.sees_customer(c.id)]
    parent = details.parent if details.parent and principal.sees_customer(details.parent.id) \
        else None
    binding = details.binding.stored.label if details.binding.stored else None
    return CustomerDetail(
        id=customer.id, ref=customer.ref, name=customer.name, kind=customer.kind.value,
        parent=_node(parent) if parent else None, notify=_node(details.notify),
        children=[_node(c) for c in children], representative=_rep(customer),
        carriers=list(customer.carriers), assets=[asset_out(a) for a in details.assets],
        binding_policy=binding,
        consents=[{"kind": c.kind, "scope": list(c.scope), "valid_from": c.valid_from,
                   "valid_until": c.valid_until, "granted_by": c.granted_by,
                   "document": c.document} for c in customer.consents])


@router.get("/{ref_or_id}", response_model=CustomerDetail,
            summary="One customer: hierarchy, representative, assets, consents")
def get_customer(request: Request, ref_or_id: str,
                 principal: Principal = api(Permission.CUSTOMERS_READ)) -> CustomerDetail:
    return customer_detail(request, ref_or_id, principal)


@router.get("/{ref_or_id}/assets", response_model=list[AssetOut],
            summary="A customer's assets with their validity windows")
def get_assets(request: Request, ref_or_id: str,
               principal: Principal = api(Permission.CUSTOMERS_READ)) -> list[AssetOut]:
    return customer_detail(request, ref_or_id, principal).assets


@router.post("/import", response_model=ImportOut,
             summary="Import customers (abusedesk-customers/1 JSON, or CSV)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}},
                 "text/csv": {"schema": {"type": "string"}}}}})
async def import_customers(request: Request, dry_run: bool = False, partial: bool = False,
                           principal: Principal = api(Permission.CUSTOMERS_WRITE)) -> ImportOut:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    formats = {"application/json": "json", "text/csv": "csv"}
    if media_type not in formats:
        raise InvalidInput("send customers as application/json or text/csv")
    text = utf8_text(await bounded_body(request, MAX_IMPORT_BYTES), "the import",
                     encoding="utf-8-sig")
    report = await run_in_threadpool(services_of(request).customers.import_text, text,
                                     fmt=formats[media_type], partial=partial, dry_run=dry_run)
    return ImportOut(applied=report.applied, dry_run=report.dry_run, created=report.created,
                     updated=report.updated, unchanged=report.unchanged,
                     assets_added=report.assets_added, assets_changed=report.assets_changed,
                     errors=[str(error) for error in report.errors])
