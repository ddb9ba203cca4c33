"""``/api/v1/policies``: versions of the AUP, their clauses, diffs; load and publish (admin)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.clock import as_utc
from abusedesk.domain.errors import NotFound
from abusedesk.domain.policy import Clause
from abusedesk.domain.ports import StoredPolicy
from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.bodies import bounded_body, utf8_text
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(prefix="/policies", tags=["policies"])
MAX_POLICY_BYTES = 2 * 1024 * 1024


class ClauseDeadlineOut(BaseModel):
    kind: str
    hours: float | None = Field(description="the concrete duration, 'promptly' resolved")
    description: str


class ClauseOut(BaseModel):
    id: str
    section: str
    number: str
    title: str
    text: str
    category: str
    severity: str
    deadline: ClauseDeadlineOut
    ladder: list[str]
    evidence: list[str]
    xarf: list[str]
    rsit: list[str]
    restricted: bool
    consent_kinds: list[str]
    is_violation: bool


class VersionOut(BaseModel):
    id: int
    key: str
    version: str
    label: str
    title: str
    source_sha256: str
    loaded_at: datetime
    notice_date: date | None
    effective_at: datetime | None
    published_at: datetime | None
    in_force: bool
    clause_count: int


class VersionDetail(VersionOut):
    provider: str
    abuse_contact: str
    retroactive: bool = Field(False, description="in force only because the moment predates "
                                                 "every published version")
    clauses: list[ClauseOut]
    carriers: list[str]


class DiffOut(BaseModel):
    old: str
    new: str
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    carriers_added: list[str]
    carriers_removed: list[str]
    not_violations_added: list[str]
    not_violations_removed: list[str]


class PublishIn(BaseModel):
    notice_date: date
    effective: date | None = Field(None, description="a stated effective date, no earlier "
                                                     "than the 30th day after notice")


def clause_out(clause: Clause, promptly: Any) -> ClauseOut:
    duration = clause.deadline.resolve(promptly)
    return ClauseOut(
        id=clause.id, section=clause.section, number=clause.number, title=clause.title,
        text=clause.text, category=clause.category.value, severity=clause.severity.value,
        deadline=ClauseDeadlineOut(kind=clause.deadline.kind.value,
                             hours=duration.total_seconds() / 3600 if duration else None,
                             description=clause.deadline.describe(promptly)),
        ladder=[a.value for a in clause.ladder], evidence=list(clause.evidence),
        xarf=list(clause.xarf), rsit=list(clause.rsit), restricted=clause.restricted,
        consent_kinds=list(clause.consent_kinds), is_violation=clause.is_violation,
    )


def version_out(stored: StoredPolicy, in_force_id: int | None) -> VersionOut:
    return VersionOut(
        id=stored.id, key=stored.key, version=stored.version, label=stored.label,
        title=stored.title, source_sha256=stored.source_sha256, loaded_at=stored.loaded_at,
        notice_date=stored.notice_date, effective_at=stored.effective_at,
        published_at=stored.published_at, in_force=stored.id == in_force_id,
        clause_count=len(stored.policy.clauses))


def _detail(request: Request, stored: StoredPolicy, in_force_id: int | None,
            retroactive: bool = False) -> VersionDetail:
    promptly = services_of(request).container.settings.promptly_deadline
    base = version_out(stored, in_force_id).model_dump()
    return VersionDetail(
        **base, provider=stored.policy.provider, abuse_contact=stored.policy.abuse_contact,
        retroactive=retroactive,
        clauses=[clause_out(c, promptly) for c in stored.policy.clauses],
        carriers=[c.name for c in stored.policy.carriers])


def _in_force_id(request: Request) -> int | None:
    try:
        return services_of(request).policies.in_force().stored.id  # type: ignore[no-any-return]
    except NotFound:
        return None


@router.get("", response_model=list[VersionOut], summary="Every stored policy version")
def list_versions(request: Request,
                  principal: Principal = api(Permission.POLICY_READ)) -> list[VersionOut]:
    current = _in_force_id(request)
    return [version_out(v, current) for v in services_of(request).policies.versions()]


@router.get("/in-force", response_model=VersionDetail,
            summary="The version in force now, or at a given moment")
def in_force(request: Request, at: datetime | None = Query(None, description="ISO 8601 time"),
             principal: Principal = api(Permission.POLICY_READ)) -> VersionDetail:
    found = services_of(request).policies.in_force(as_utc(at) if at else None)
    return _detail(request, found.stored, _in_force_id(request), found.retroactive)


@router.get("/{version}", response_model=VersionDetail, summary="One version with its clauses")
def get_version(request: Request, version: str,
                principal: Principal = api(Permission.POLICY_READ)) -> VersionDetail:
    return _detail(request, services_of(request).policies.get(version), _in_force_id(request))


@router.get("/{version}/source", response_class=PlainTextResponse,
            summary="The policy file of a version, as loaded")
def version_source(request: Request, version: str,
                   principal: Principal = api(Permission.POLICY_READ)) -> PlainTextResponse:
    stored = services_of(request).policies.get(version)
    return PlainTextResponse(stored.source_text, media_type="application/yaml; charset=utf-8")


@router.get("/{version}/clauses/{clause_id}", response_model=ClauseOut, summary="One clause")
def get_clause(request: Request, version: str, clause_id: str,
               principal: Principal = api(Permission.POLICY_READ)) -> ClauseOut:
    stored = services_of(request).policies.get(version)
    try:
        clause = stored.policy.clause(clause_id)
    except KeyError:
        raise NotFound(f"{stored.label} has no clause {clause_id!r}") from None
    return clause_out(clause, services_of(request).container.settings.promptly_deadline)


@router.get("/{old}/diff/{new}", response_model=DiffOut, summary="What changed between versions")
def diff(request: Request, old: str, new: str,
         principal: Principal = api(Permission.POLICY_READ)) -> DiffOut:
    result = services_of(request).policies.diff(old, new)
    return DiffOut(
        old=result.old.label, new=result.new.label,
        added=[c.id for c in result.added], removed=[c.id for c in result.removed],
        changed={c.clause_id: list(c.fields) for c in result.changed},
        carriers_added=list(result.carriers_added),
        carriers_removed=list(result.carriers_removed),
        not_violations_added=list(result.not_violations_added),
        not_violations_removed=list(result.not_violations_removed))


@router.post("", response_model=VersionOut, status_code=201,
             summary="Load a policy file as a new, unpublished version",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/yaml": {"schema": {"type": "string"}}}}})
async def load_version(request: Request,
                       principal: Principal = api(Permission.POLICY_MANAGE)) -> VersionOut:
    text = utf8_text(await bounded_body(request, MAX_POLICY_BYTES), "a policy file")
    stored = await run_in_threadpool(services_of(request).policies.load, text,
                                     source=f"api upload by {principal.actor}")
    return version_out(stored, None)


@router.post("/{version}/publish", response_model=VersionOut,
             summary="Record the notice of a version and when it takes effect")
def publish(request: Request, version: str, body: Annotated[PublishIn, Body()],
            principal: Principal = api(Permission.POLICY_MANAGE)) -> VersionOut:
    stored = services_of(request).policies.publish(version, notice_date=body.notice_date,
                                                   effective=body.effective)
    return version_out(stored, _in_force_id(request))
