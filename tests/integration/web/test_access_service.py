"""Staff sign-in, sessions, rate limiting and tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from abusedesk.adapters.db.tables.access import ApiTokenRow, StaffUserRow, WebSessionRow
from abusedesk.bootstrap import Container
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.services.access import (
    FAILURE_WINDOW,
    MAX_FAILURES_PER_USER,
    STAFF_SESSION_IDLE,
    STAFF_SESSION_MAX,
)
from abusedesk.services.access_rules import PrincipalKind, Role

PASSWORD = "a long test passphrase"


def test_a_user_signs_in_and_the_session_names_them(container: Container) -> None:
    access = access_service(container)
    access.add_user("Ana", PASSWORD, Role.ANALYST, display_name="Ana Lyst")
    signed = access.sign_in("ana", PASSWORD, client="192.0.2.1")
    principal = access.session_principal(signed.cookie)
    assert principal is not None and principal.role is Role.ANALYST and principal.name == "ana"
    with container.sessions() as session:
        stored_hash = session.scalar(select(StaffUserRow.password_hash))
        stored_session = session.scalar(select(WebSessionRow.secret_sha256))
    assert PASSWORD not in stored_hash and stored_hash.startswith("scrypt$")
    assert stored_session != signed.cookie and len(stored_session) == 64  # a digest, not the cookie
    access.sign_out(signed.cookie)
    assert access.session_principal(signed.cookie) is None


def test_wrong_passwords_and_unknown_users_get_the_same_answer(container: Container) -> None:
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST)
    with pytest.raises(NotAuthenticated) as wrong:
        access.sign_in("ana", PASSWORD + "!", client="c")
    with pytest.raises(NotAuthenticated) as unknown:
        access.sign_in("nobody", PASSWORD, client="c")
    assert str(wrong.value) == str(unknown.value)
    access.set_disabled("ana", True)
    with pytest.raises(NotAuthenticated):
        access.sign_in("ana", PASSWORD, client="c")


def test_guessing_is_stopped_for_the_user_then_allowed_after_the_window(
        container: Container, clock: FrozenClock) -> None:
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST)
    for attempt in range(MAX_FAILURES_PER_USER):
        with pytest.raises(NotAuthenticated):
            access.sign_in("ana", f"guess number {attempt}", client=f"198.51.100.{attempt}")
    # the right password is refused too while the user is locked: guessing learns nothing
    with pytest.raises(TooManyAttempts) as locked:
        access.sign_in("ana", PASSWORD, client="198.51.100.99")
    assert locked.value.retry_after == int(FAILURE_WINDOW.total_seconds())
    clock.advance(FAILURE_WINDOW + timedelta(seconds=1))
    assert access.sign_in("ana", PASSWORD, client="198.51.100.99").principal.name == "ana"


def test_one_client_guessing_many_names_is_stopped(container: Container) -> None:
    access = access_service(container)
    for attempt in range(20):
        with pytest.raises(NotAuthenticated):
            access.sign_in(f"user{attempt}", "not the password", client="203.0.113.9")
    access.add_user("ana", PASSWORD, Role.ANALYST)
    with pytest.raises(TooManyAttempts):
        access.sign_in("ana", PASSWORD, client="203.0.113.9")
    assert access.sign_in("ana", PASSWORD, client="203.0.113.10").principal is not None


def test_sessions_expire_when_idle_and_at_their_longest(container: Container,
                                                         clock: FrozenClock) -> None:
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST)
    idle = access.sign_in("ana", PASSWORD, client="c")
    clock.advance(STAFF_SESSION_IDLE + timedelta(seconds=1))
    assert access.session_principal(idle.cookie) is None
    busy = access.sign_in("ana", PASSWORD, client="c")
    used_for = timedelta()
    while used_for < STAFF_SESSION_MAX - timedelta(hours=1):
        clock.advance(timedelta(hours=1))
        used_for += timedelta(hours=1)
        assert access.session_principal(busy.cookie) is not None  # use keeps it alive
    clock.advance(timedelta(hours=1, seconds=1))
    assert access.session_principal(busy.cookie) is None  # but not past the maximum


def test_a_new_password_or_disabling_ends_the_sessions(container: Container) -> None:
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST)
    first = access.sign_in("ana", PASSWORD, client="c")
    access.set_password("ana", "another long passphrase")
    assert access.session_principal(first.cookie) is None
    second = access.sign_in("ana", "another long passphrase", client="c")
    access.set_disabled("ana", True)
    assert access.session_principal(second.cookie) is None


def test_users_are_unique_and_checked(container: Container) -> None:
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST)
    with pytest.raises(Conflict, match="already exists"):
        access.add_user("ANA", PASSWORD, Role.ADMIN)
    with pytest.raises(InvalidInput, match="user name"):
        access.add_user("ana lyst", PASSWORD, Role.ADMIN)
    with pytest.raises(InvalidInput, match="at least 12"):
        access.add_user("bob", "short", Role.ADMIN)
    with pytest.raises(NotFound):
        access.set_role("nobody", Role.ADMIN)


def test_staff_tokens_carry_their_role_and_are_kept_as_digests(container: Container) -> None:
    access = access_service(container)
    issued = access.create_token("ticket bridge", created_by="test", role=Role.SUPERVISOR)
    principal = access.token_principal(issued.secret)
    assert principal is not None and principal.role is Role.SUPERVISOR
    assert principal.kind is PrincipalKind.STAFF and principal.token_id == issued.stored.id
    with container.sessions() as session:
        row = session.scalars(select(ApiTokenRow)).one()
    assert row.secret_sha256 != issued.secret and issued.secret not in row.prefix + row.name
    assert access.token_principal(issued.secret + "x") is None
    access.revoke_token(issued.stored.id)
    assert access.token_principal(issued.secret) is None
    with pytest.raises(Conflict, match="already revoked"):
        access.revoke_token(issued.stored.id)


def test_tokens_expire(container: Container, clock: FrozenClock) -> None:
    access = access_service(container)
    issued = access.create_token("short lived", created_by="test", role=Role.ANALYST,
                                 expires_at=clock.now() + timedelta(days=1))
    assert access.token_principal(issued.secret) is not None
    clock.advance(timedelta(days=1))
    assert access.token_principal(issued.secret) is None
    with pytest.raises(InvalidInput, match="future"):
        access.create_token("past", created_by="test", role=Role.ANALYST,
                            expires_at=clock.now() - timedelta(seconds=1))


def test_customer_and_partner_tokens_are_scoped_by_the_hierarchy(container: Container) -> None:
    container.customers.import_sample()
    access = access_service(container)
    northwind = container.customers.get("C-1001")
    riverbank = container.customers.get("P-2001")
    florists = container.customers.get("P-2001-01")
    games = container.customers.get("P-2001-02")
    customer = access.token_principal(
        access.create_token("nw", created_by="t", customer_id=northwind.id).secret)
    partner = access.token_principal(
        access.create_token("rb", created_by="t", customer_id=riverbank.id).secret)
    below = access.token_principal(
        access.create_token("mf", created_by="t", customer_id=florists.id).secret)
    assert customer is not None and customer.kind is PrincipalKind.CUSTOMER
    assert customer.customer_ids == {northwind.id}
    assert partner is not None and partner.kind is PrincipalKind.PARTNER
    assert partner.customer_ids == {riverbank.id, florists.id, games.id}
    # a partner's customer sees itself, not its partner or its siblings
    assert below is not None and below.customer_ids == {florists.id}
    with pytest.raises(NotFound):
        access.create_token("ghost", created_by="t", customer_id=999_999)
    with pytest.raises(InvalidInput, match="not both"):
        access.create_token("both", created_by="t", customer_id=northwind.id, role=Role.ADMIN)


def test_a_portal_session_needs_a_customer_key_and_dies_with_it(container: Container) -> None:
    container.customers.import_sample()
    access = access_service(container)
    staff_token = access.create_token("staff", created_by="t", role=Role.ADMIN)
    with pytest.raises(NotAuthenticated):
        access.sign_in_portal(staff_token.secret, client="c")
    issued = access.create_token("nw", created_by="t",
                                 customer_id=container.customers.get("C-1001").id)
    portal = access.sign_in_portal(issued.secret, client="c")
    assert access.session_principal(portal.cookie) is not None
    access.revoke_token(issued.stored.id)
    assert access.session_principal(portal.cookie) is None
