"""Who may do what: roles, permissions, principals. The one place authorisation is decided.

Staff hold one role each (analyst, supervisor, admin); each role is a set of permissions,
and every endpoint of the API, the staff UI and the portal names the permission it needs.
A customer or partner principal (an API token scoped to a customer, or a portal session)
holds a small fixed set of permissions and sees only its own customers: a customer itself,
a partner itself and every customer below it. Restricted material (a clause marked
``restricted`` in the policy, such as child sexual abuse material) needs
``restricted:read``, which only supervisors and admins hold.

Errors raised here (``NotAuthenticated``, ``AccessDenied``, ``TooManyAttempts``) are
mapped to HTTP 401, 403 and 429 by the interfaces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from abusedesk.domain.errors import AccessDenied, InvalidInput, NotFound


class Role(StrEnum):
    """Staff roles, in increasing power."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            known = ", ".join(role.value for role in cls)
            raise ValueError(f"{value!r} is not a role; use one of: {known}") from None


def parse_role(value: str) -> Role:
    """The role a user typed (``Role.parse``); an unknown one is ``InvalidInput``."""
    try:
        return Role.parse(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


class PrincipalKind(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"  # a customer's own automation or representative
    PARTNER = "partner"  # a wholesale partner: itself and its customers


class Permission(StrEnum):
    CASES_READ = "cases:read"
    CASES_WORK = "cases:work"  # move cases, add notes, send notices
    ACTIONS_PROPOSE = "actions:propose"
    ACTIONS_APPROVE = "actions:approve"  # the second person of two-person approval
    COMPLAINTS_READ = "complaints:read"  # complaints, raw bytes, events
    COMPLAINTS_SUBMIT = "complaints:submit"
    COMPLAINTS_REPLAY = "complaints:replay"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    POLICY_READ = "policy:read"
    POLICY_MANAGE = "policy:manage"  # load and publish versions
    RESTRICTED_READ = "restricted:read"  # restricted clauses (2a material)
    REPORTS_READ = "reports:read"  # the dashboard and its figures
    ACCESS_MANAGE = "access:manage"  # staff users and API tokens
    RESPOND = "cases:respond"  # a customer's answer to its own case


P = Permission

_ANALYST = frozenset({
    P.CASES_READ, P.CASES_WORK, P.ACTIONS_PROPOSE, P.COMPLAINTS_READ, P.COMPLAINTS_SUBMIT,
    P.CUSTOMERS_READ, P.POLICY_READ, P.REPORTS_READ,
})
_SUPERVISOR = _ANALYST | {P.ACTIONS_APPROVE, P.COMPLAINTS_REPLAY, P.CUSTOMERS_WRITE,
                          P.RESTRICTED_READ}
_ADMIN = _SUPERVISOR | {P.POLICY_MANAGE, P.ACCESS_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: _ANALYST,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _ADMIN,
}

#: What a customer or partner principal may do, always within its own customers.
CUSTOMER_PERMISSIONS = frozenset({P.CASES_READ, P.CUSTOMERS_READ, P.POLICY_READ, P.RESPOND})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a staff member (by session or token) or a customer/partner.

    ``customer_ids`` is the set of customers this principal may see; ``None`` means every
    customer (staff). ``actor`` names the principal in audit trails.
    """

    kind: PrincipalKind
    name: str
    permissions: frozenset[Permission]
    role: Role | None = None
    customer_id: int | None = None
    customer_ids: frozenset[int] | None = None
    user_id: int | None = None
    token_id: int | None = None
    session_id: int | None = field(default=None, compare=False)

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    @property
    def actor(self) -> str:
        if self.user_id is not None:
            return f"user:{self.name}"
        return f"token:{self.token_id}:{self.name}"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise ``AccessDenied`` unless the principal holds ``permission``."""
        if permission not in self.permissions:
            who = self.role.value if self.role else self.kind.value
            raise AccessDenied(f"{who} may not do this (needs {permission.value})")

    def sees_customer(self, customer_id: int | None) -> bool:
        """True when records of ``customer_id`` are visible; unassigned ones only to staff."""
        if self.customer_ids is None:
            return True
        return customer_id is not None and customer_id in self.customer_ids

    def require_customer(self, customer_id: int | None, what: str) -> None:
        """Refuse records of other customers as if they did not exist (no existence leak)."""
        if not self.sees_customer(customer_id):
            raise NotFound(f"no {what}")

    def sees_restricted(self) -> bool:
        return P.RESTRICTED_READ in self.permissions


def staff_principal(*, name: str, role: Role, user_id: int | None = None,
                    token_id: int | None = None, session_id: int | None = None) -> Principal:
    return Principal(PrincipalKind.STAFF, name, ROLE_PERMISSIONS[role], role=role,
                     user_id=user_id, token_id=token_id, session_id=session_id)


def customer_principal(*, name: str, kind: PrincipalKind, customer_id: int,
                       visible: Iterable[int], token_id: int | None = None,
                       session_id: int | None = None) -> Principal:
    if kind is PrincipalKind.STAFF:
        raise ValueError("a customer principal cannot be staff")
    # A plain customer never sees below itself, whatever ``visible`` holds.
    ids = frozenset({customer_id}) if kind is PrincipalKind.CUSTOMER \
        else frozenset(visible) | {customer_id}
    return Principal(kind, name, CUSTOMER_PERMISSIONS, customer_id=customer_id,
                     customer_ids=ids, token_id=token_id, session_id=session_id)
