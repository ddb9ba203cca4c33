"""``/api/problems/{slug}``: what each problem ``type`` URI of the API's errors means.

Mounted at ``/api`` (its ``PREFIX``), beside ``/api/v1``, so the ``type`` member of a
problem (``/api/problems/not-found``) resolves to this description.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from abusedesk.domain.errors import NotFound
from abusedesk.interfaces.api.auth import public
from abusedesk.interfaces.api.problems import ALL_TYPES
from abusedesk.services.access_rules import Principal

router = APIRouter(tags=["problems"])
PREFIX = "/api"


class ProblemTypeOut(BaseModel):
    type: str
    status: int
    title: str
    description: str


@router.get("/problems/{slug}", response_model=ProblemTypeOut, include_in_schema=False)
def describe(slug: str, principal: Principal | None = public()) -> ProblemTypeOut:
    kind = ALL_TYPES.get(slug)
    if kind is None:
        raise NotFound(f"no problem type {slug!r}")
    return ProblemTypeOut(type=kind.uri, status=kind.status, title=kind.title,
                          description=kind.description)
