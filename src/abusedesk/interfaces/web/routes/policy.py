"""The policy pages: the version in force with its clauses, every version, diffs; load and
publish for admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from abusedesk.domain.errors import InvalidInput, NotFound
from abusedesk.interfaces.api.auth import staff
from abusedesk.interfaces.api.bodies import utf8_text
from abusedesk.interfaces.api.routes.policies import MAX_POLICY_BYTES
from abusedesk.interfaces.api.wiring import services_of
from abusedesk.interfaces.values import parse_day
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(include_in_schema=False)


def _page(request: Request, version: str | None) -> Response:
    services = services_of(request)
    policies = services.policies
    try:
        in_force = policies.in_force().stored
    except NotFound:
        in_force = None
    return render(request, "policy.html", {
        "versions": policies.versions(), "in_force": in_force,
        "shown": policies.get(version) if version else in_force,
        "promptly": services.container.settings.promptly_deadline,
        "today": services.container.clock.now().date(),
    })


@router.get("/policy")
def policy_page(request: Request, principal: Principal = staff(Permission.POLICY_READ)) -> Response:
    return _page(request, None)


@router.get("/policy/diff")
def policy_diff(request: Request, old: str, new: str,
                principal: Principal = staff(Permission.POLICY_READ)) -> Response:
    result = services_of(request).policies.diff(old, new)
    return render(request, "policy_diff.html", {"diff": result})


@router.get("/policy/{version}")
def policy_version(request: Request, version: str,
                   principal: Principal = staff(Permission.POLICY_READ)) -> Response:
    return _page(request, version)


@router.post("/policy/load")
async def load_policy(request: Request, policy_file: Annotated[UploadFile, File()],
                      principal: Principal = staff(Permission.POLICY_MANAGE)) -> Response:
    data = await policy_file.read(MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise InvalidInput(f"a policy file is at most {MAX_POLICY_BYTES} bytes")
    stored = await run_in_threadpool(services_of(request).policies.load,
                                     utf8_text(data, "a policy file"),
                                     source=policy_file.filename or "upload")
    return RedirectResponse(f"/policy/{stored.label}", status_code=303)


@router.post("/policy/{version}/publish")
def publish_policy(request: Request, version: str, notice_date: Annotated[date, Form()],
                   effective: Annotated[str, Form()] = "",
                   principal: Principal = staff(Permission.POLICY_MANAGE)) -> Response:
    effective_day = parse_day(effective.strip()) if effective.strip() else None
    stored = services_of(request).policies.publish(version, notice_date=notice_date,
                                                   effective=effective_day)
    return RedirectResponse(f"/policy/{stored.label}", status_code=303)
