"""The HTTP app on a real database (SQLite and PostgreSQL), with a principal of every kind.

``desk`` gives the app's test client, the container, and ``people``: for each of analyst,
supervisor, admin, customer and partner an API token and (staff and portal alike) a signed-in
browser session, made through the access service as a user would get them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import Channel
from abusedesk.interfaces.api.app import create_app
from abusedesk.interfaces.api.auth import SESSION_COOKIE
from abusedesk.interfaces.api.casework import case_desk
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.interfaces.workers.complaints import complaint_processor
from abusedesk.services.access import AccessService
from abusedesk.services.access_rules import Role

PASSWORD = "a long test passphrase"
STAFF_ROLES = ("analyst", "supervisor", "admin")
CUSTOMER_KINDS = ("customer", "partner")
#: The sample customers the customer and partner principals speak for.
CUSTOMER_REF = "C-1001"
PARTNER_REF = "P-2001"
SAMPLES = Path(str(resources.files("abusedesk.sample").joinpath("complaints")))


@dataclass
class Person:
    name: str
    token: str
    cookie: str | None = None  # session cookie (staff UI or portal)

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Desk:
    container: Container
    client: TestClient
    access: AccessService
    people: dict[str, Person] = field(default_factory=dict)

    def session_client(self, who: str) -> TestClient:
        """A fresh client carrying ``who``'s session cookie."""
        client = TestClient(self.client.app, follow_redirects=False)
        cookie = self.people[who].cookie
        if cookie:
            client.cookies.set(SESSION_COOKIE, cookie)
        return client

    def session_client_anon(self) -> TestClient:
        return TestClient(self.client.app, follow_redirects=False)

    def keep_signed_in(self, who: str) -> None:
        """Sign ``who`` in again if a request ended the session."""
        cookie = self.people[who].cookie
        if cookie is None or self.access.session_principal(cookie) is None:
            self.refresh_session(who)

    @property
    def services(self) -> Any:
        return self.client.app.state.services

    def refresh_session(self, who: str) -> None:
        """Sign ``who`` in again (after a test signed the session out)."""
        person = self.people[who]
        if who in STAFF_ROLES:
            person.cookie = self.access.sign_in(who, PASSWORD, client="test").cookie
        else:
            person.cookie = self.access.sign_in_portal(person.token, client="test").cookie


def submit_and_process(desk: Desk, sample: str | bytes, *, xarf: bool = False) -> int:
    """Submit a complaint (a sample's file name, or bytes) through the intake, then process
    it and fold its events into cases, as the jobs would."""
    data = (SAMPLES / sample).read_bytes() if isinstance(sample, str) else sample
    is_xarf = xarf or (isinstance(sample, str) and sample.endswith(".json"))
    intake = desk.container.intake
    if is_xarf:
        receipt = intake.accept_xarf(data, channel=Channel.API)
    else:
        receipt = intake.accept_message(data, channel=Channel.API)
    complaint_processor(desk.container).process(receipt.complaint_id)
    case_desk(desk.services).cases.aggregate_complaint(receipt.complaint_id)
    return receipt.complaint_id


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@pytest.fixture
def desk(container: Container) -> Iterator[Desk]:
    container.customers.import_sample()
    app = create_app(container)
    access = access_service(container)
    built = Desk(container, TestClient(app, follow_redirects=False), access)
    for role in STAFF_ROLES:
        access.add_user(role, PASSWORD, Role(role))
        token = access.create_token(f"{role} token", created_by="test", role=Role(role)).secret
        built.people[role] = Person(role, token)
        built.refresh_session(role)
    for kind, ref in (("customer", CUSTOMER_REF), ("partner", PARTNER_REF)):
        customer_id = container.customers.get(ref).id
        token = access.create_token(f"{ref} automation", created_by="test",
                                    customer_id=customer_id).secret
        built.people[kind] = Person(kind, token)
        built.refresh_session(kind)
    yield built
    built.client.close()
