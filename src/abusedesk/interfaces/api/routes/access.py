"""``/api/v1/me``, ``/api/v1/users`` and ``/api/v1/tokens``: who am I; staff and tokens (admin).

A token's secret is in the response that creates it and nowhere else, ever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from abusedesk.domain.clock import as_utc
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.ports import StoredUser
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal, Role

router = APIRouter(tags=["access"])


class MeOut(BaseModel):
    kind: str = Field(description="staff, customer or partner")
    name: str
    role: str | None
    customer_id: int | None
    customer_ids: list[int] | None = Field(description="customers visible; null: all (staff)")
    permissions: list[str]


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    created_at: datetime
    disabled: bool
    last_login_at: datetime | None


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)
    role: Role
    display_name: str | None = Field(None, max_length=200)


class TokenOut(BaseModel):
    # The API's contract, read off a ``StoredToken`` (never its digest) by ``model_validate``.
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="the start of the token, to tell tokens apart")
    kind: str
    role: str | None
    customer_id: int | None
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role | None = Field(None, description="a staff token's role")
    customer_id: int | None = Field(None, description="a customer's or partner's token")
    expires_at: datetime | None = None
    user: str | None = Field(None, description="a staff token's user: it acts as them")


class TokenCreated(TokenOut):
    token: str = Field(description="the secret; shown this once, store it now")


def user_out(user: StoredUser) -> UserOut:
    return UserOut(username=user.username, display_name=user.display_name, role=user.role,
                   created_at=user.created_at, disabled=user.disabled_at is not None,
                   last_login_at=user.last_login_at)


@router.get("/me", response_model=MeOut, summary="The caller: kind, role, scope, permissions")
def me(principal: Principal = api(None)) -> MeOut:
    return MeOut(kind=principal.kind.value, name=principal.name,
                 role=principal.role.value if principal.role else None,
                 customer_id=principal.customer_id,
                 customer_ids=sorted(principal.customer_ids)
                 if principal.customer_ids is not None else None,
                 permissions=sorted(p.value for p in principal.permissions))


@router.get("/users", response_model=list[UserOut], summary="Staff users")
def list_users(request: Request,
               principal: Principal = api(Permission.ACCESS_MANAGE)) -> list[UserOut]:
    return [user_out(u) for u in services_of(request).access.users()]


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a staff user")
def add_user(request: Request, body: Annotated[UserIn, Body()],
             principal: Principal = api(Permission.ACCESS_MANAGE)) -> UserOut:
    user = services_of(request).access.add_user(body.username, body.password, body.role,
                                                display_name=body.display_name)
    return user_out(user)


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens (never their secrets)")
def list_tokens(request: Request,
                principal: Principal = api(Permission.ACCESS_MANAGE)) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in services_of(request).access.tokens()]


@router.post("/tokens", response_model=TokenCreated, status_code=201,
             summary="Create a token: staff (role) or a customer's/partner's (customer_id)")
def create_token(request: Request, body: Annotated[TokenIn, Body()],
                 principal: Principal = api(Permission.ACCESS_MANAGE)) -> TokenCreated:
    if body.expires_at is not None and body.expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone (e.g. 2026-12-31T00:00:00Z)")
    issued = services_of(request).access.create_token(
        body.name, created_by=principal.actor, role=body.role, customer_id=body.customer_id,
        expires_at=as_utc(body.expires_at) if body.expires_at else None, user=body.user)
    return TokenCreated(**TokenOut.model_validate(issued.stored).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token at once")
def revoke_token(request: Request, token_id: int,
                 principal: Principal = api(Permission.ACCESS_MANAGE)) -> TokenOut:
    return TokenOut.model_validate(services_of(request).access.revoke_token(token_id))
