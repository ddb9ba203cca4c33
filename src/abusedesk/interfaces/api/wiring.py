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
from abusedesk.domain.errors import NotFound
from abusedesk.services.access import AccessService
from abusedesk.services.access_rules import PrincipalKind


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
    return AccessService(container.uow, container.clock,
                         customer_kind=lambda cid: _customer_kind(container, cid),
                         descendants=lambda cid: descendants(container, cid))


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


def _customer_kind(container: Container, customer_id: int) -> PrincipalKind:
    customers = getattr(container, "customers", None)
    if customers is None:
        raise NotFound("customer records are not available in this installation")
    customer = customers.get(str(customer_id))
    if customer.id != customer_id:  # a ref that looks like a number named another customer
        raise NotFound(f"no customer with id {customer_id}")
    return PrincipalKind.PARTNER if customer.is_partner else PrincipalKind.CUSTOMER


def descendants(container: Container, customer_id: int) -> frozenset[int]:
    """Every customer below ``customer_id`` in the hierarchy (children, their children ...)."""
    customers = getattr(container, "customers", None)
    if customers is None:
        return frozenset()
    children: dict[int, list[int]] = {}
    for summary in customers.summaries():
        parent = summary.customer.parent_id
        if parent is not None:
            children.setdefault(parent, []).append(summary.customer.id)
    found: set[int] = set()
    todo = list(children.get(customer_id, ()))
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return frozenset(found)


def intake_service(container: Container) -> Any:
    """The intake service (accepting complaints), sized by the configured message limit."""
    from abusedesk.services.intake import IntakeService

    return IntakeService(container.uow, container.clock,
                         max_message_bytes=container.settings.max_message_bytes)


def complaint_records(container: Container) -> Any:
    """Reading stored complaints back: records, exact bytes, events; replay."""
    from abusedesk.services.intake_records import ComplaintRecords

    return ComplaintRecords(container.uow)
