"""What the HTTP app needs from the container, built once per app and kept on ``app.state``.

Routes reach services only through ``services_of(request)``: the container's services, the
access service wired to the customers service (to tell partners from customers and to find
a partner's customers), the secret key and the cookie settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from abusedesk.adapters.secret_key import secret_key
from abusedesk.bootstrap import Container
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_ports import CaseFilter
from abusedesk.domain.customers import CustomerKind
from abusedesk.services.access import AccessService
from abusedesk.services.access_rules import PrincipalKind
from abusedesk.services.dashboard import DashboardService


@dataclass
class AppServices:
    container: Container
    access: AccessService
    secret_key: bytes
    public_url: str
    secure_cookies: bool

    def __getattr__(self, name: str) -> Any:
        # Services of the other areas (customers, intake, cases ...) come from the container.
        return getattr(self.container, name)


def access_service(container: Container) -> AccessService:
    """The access service, asking the customers service about customers and partners."""
    customers = container.customers

    def customer_kind(customer_id: int) -> PrincipalKind:
        partner = customers.kind_of(customer_id) is CustomerKind.PARTNER
        return PrincipalKind.PARTNER if partner else PrincipalKind.CUSTOMER

    return AccessService(container.uow, container.clock, customer_kind=customer_kind,
                         descendants=customers.descendants)


def build_services(container: Container) -> AppServices:
    settings = container.settings
    return AppServices(
        container=container,
        access=access_service(container),
        secret_key=secret_key(settings),
        public_url=settings.public_url.rstrip("/"),
        secure_cookies=urlsplit(settings.public_url).scheme == "https",
    )


def services_of(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


def complaint_records(container: Container) -> Any:
    """Reading stored complaints back: records, exact bytes, events; replay."""
    from abusedesk.services.intake_records import ComplaintRecords

    return ComplaintRecords(container.uow)


def dashboard_service(container: Container) -> DashboardService:
    """The dashboard's figures, over the intake's complaint records and the case desk."""
    from abusedesk.interfaces.workers.cases import case_desk

    desk = case_desk(container)
    every_state = CaseFilter(states=tuple(CaseState))
    return DashboardService(
        complaint_records(container),
        lambda limit: desk.queries.list(every_state, limit=limit),
        lambda reference: desk.queries.detail(reference).responses,
        container.clock)
