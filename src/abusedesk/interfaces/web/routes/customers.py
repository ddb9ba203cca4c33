"""Customer pages: the list, and one customer with its hierarchy, assets, consents and cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from abusedesk.interfaces.api.auth import staff
from abusedesk.interfaces.api.casework import case_desk
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.interfaces.web.history import customer_cases
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(include_in_schema=False)


@router.get("/customers")
def customers_page(request: Request, q: str = "", kind: str = "",
                   principal: Principal = staff(Permission.CUSTOMERS_READ)) -> Response:
    wanted = q.strip().lower()[:200]
    summaries = [s for s in services_of(request).customers.summaries()
                 if (not kind or s.customer.kind.value == kind)
                 and (not wanted or wanted in s.customer.ref.lower()
                      or wanted in s.customer.name.lower())]
    standing = case_desk(services_of(request)).queries.standing(
        [s.customer.id for s in summaries])
    return render(request, "customers.html", {"summaries": summaries, "standing": standing,
                                              "q": q, "kind": kind})


@router.get("/customers/{ref_or_id}")
def customer_page(request: Request, ref_or_id: str,
                  principal: Principal = staff(Permission.CUSTOMERS_READ)) -> Response:
    services = services_of(request)
    details = services.customers.details(ref_or_id)
    return render(request, "customer.html", {
        "details": details, "customer": details.customer,
        "cases": customer_cases(services, details.customer.id, principal),
    })
