"""``/api/v1/reports/dashboard``: the dashboard's figures as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from abusedesk.interfaces.api.auth import api
from abusedesk.interfaces.api.wiring import dashboard_service, services_of
from abusedesk.services.access_rules import Permission, Principal

router = APIRouter(prefix="/reports", tags=["reports"])


def _durations(value: Any) -> dict[str, Any]:
    return {"count": value.count,
            "median_seconds": value.median.total_seconds() if value.median else None,
            "p90_seconds": value.p90.total_seconds() if value.p90 else None}


@router.get("/dashboard", summary="Complaints per day, open cases by clause, breaches, "
                                  "time to acknowledge and resolve, top reporters")
def dashboard(request: Request, days: int = Query(30, ge=7, le=366),
              principal: Principal = api(Permission.REPORTS_READ)) -> dict[str, Any]:
    figures = dashboard_service(services_of(request).container).figures(days=days)
    return {
        "since": figures.since, "now": figures.now,
        "complaints_per_day": [{"day": d, "count": n} for d, n in
                               zip(figures.days, figures.complaints_per_day, strict=True)],
        "breaches_per_day": [{"day": d, "count": n} for d, n in
                             zip(figures.days, figures.breaches_per_day, strict=True)],
        "open_cases": figures.open_cases, "overdue_now": figures.overdue_now,
        "open_by_clause": [{"clause_id": c, "title": t, "count": n}
                           for c, t, n in figures.open_by_clause],
        "time_to_acknowledge": _durations(figures.time_to_acknowledge),
        "time_to_resolve": _durations(figures.time_to_resolve),
        "top_reporters": [{"reporter": r, "count": n} for r, n in figures.top_reporters],
        "repeat_offenders": [{"customer": c, "customer_id": i, "cases": n}
                             for i, c, n in figures.repeat_offenders],
        "capped": figures.capped,
    }
