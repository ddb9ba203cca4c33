"""Roles, permissions and principals: who may do what, and whose customers they see."""

from __future__ import annotations

import pytest

from abusedesk.domain.errors import AccessDenied, NotFound
from abusedesk.services.access_rules import (
    Permission,
    PrincipalKind,
    Role,
    customer_principal,
    staff_principal,
)

P = Permission


def test_each_role_holds_what_the_one_below_holds_and_more() -> None:
    analyst = staff_principal(name="ana", role=Role.ANALYST)
    supervisor = staff_principal(name="sue", role=Role.SUPERVISOR)
    admin = staff_principal(name="adam", role=Role.ADMIN)
    assert analyst.permissions < supervisor.permissions < admin.permissions
    # the two-person rule: analysts propose, only supervisors and admins approve
    assert analyst.can(P.ACTIONS_PROPOSE) and not analyst.can(P.ACTIONS_APPROVE)
    assert supervisor.can(P.ACTIONS_APPROVE)
    # restricted (clause 2a) material: supervisors and admins only
    assert not analyst.sees_restricted()
    assert supervisor.sees_restricted() and admin.sees_restricted()
    # managing users and tokens, and publishing policy: admins only
    for permission in (P.ACCESS_MANAGE, P.POLICY_MANAGE):
        assert not supervisor.can(permission) and admin.can(permission)
    with pytest.raises(AccessDenied, match="analyst may not do this"):
        analyst.require(P.ACTIONS_APPROVE)


def test_staff_see_every_customer_and_no_staff_may_respond_as_a_customer() -> None:
    admin = staff_principal(name="adam", role=Role.ADMIN, user_id=1)
    assert admin.sees_customer(42) and admin.sees_customer(None)
    assert not admin.can(P.RESPOND)
    assert admin.actor == "user:adam"


def test_a_customer_sees_itself_only_even_if_given_more() -> None:
    customer = customer_principal(name="northwind-bot", kind=PrincipalKind.CUSTOMER,
                                  customer_id=3, visible=[4, 5], token_id=9)
    assert customer.customer_ids == frozenset({3})
    assert customer.sees_customer(3) and not customer.sees_customer(4)
    assert not customer.sees_customer(None)  # unassigned records are staff business
    assert customer.can(P.RESPOND) and customer.can(P.CASES_READ)
    assert not customer.can(P.CASES_WORK) and not customer.can(P.COMPLAINTS_READ)
    assert customer.actor == "token:9:northwind-bot"
    with pytest.raises(NotFound, match="no case 12"):
        customer.require_customer(4, "case 12")


def test_a_partner_sees_itself_and_the_customers_below_it() -> None:
    partner = customer_principal(name="riverbank", kind=PrincipalKind.PARTNER, customer_id=5,
                                 visible=[6, 7])
    assert partner.customer_ids == frozenset({5, 6, 7})
    assert all(partner.sees_customer(i) for i in (5, 6, 7))
    assert not partner.sees_customer(1)
    with pytest.raises(ValueError):
        customer_principal(name="x", kind=PrincipalKind.STAFF, customer_id=1, visible=[])


def test_roles_parse_from_user_input() -> None:
    assert Role.parse(" Supervisor ") is Role.SUPERVISOR
    with pytest.raises(ValueError, match="use one of: analyst, supervisor, admin"):
        Role.parse("root")
