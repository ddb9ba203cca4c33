"""The dashboard: complaints per day, open cases by clause, deadline breaches, time to
acknowledge and to resolve, top reporters, repeat offenders (figures from
``abusedesk.services.dashboard``, charts as inline SVG)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from abusedesk.interfaces.api.auth import staff
from abusedesk.interfaces.api.wiring import dashboard_service, services_of
from abusedesk.interfaces.web.charts import Bar, column_chart, row_chart
from abusedesk.interfaces.web.rendering import render
from abusedesk.services.access_rules import Permission, Principal
from abusedesk.services.dashboard import DashboardFigures

router = APIRouter(include_in_schema=False)


def charts(figures: DashboardFigures) -> dict[str, Any]:
    nth = max(1, len(figures.days) // 10)
    return {
        "complaints": column_chart(
            [Bar(f"{day:%d %b}", n, f"{day:%Y-%m-%d}: {n} complaint(s)")
             for day, n in zip(figures.days, figures.complaints_per_day, strict=True)],
            label="complaints per day", every_nth_label=nth),
        "breaches": column_chart(
            [Bar(f"{day:%d %b}", n, f"{day:%Y-%m-%d}: {n} deadline(s) passed unmet")
             for day, n in zip(figures.days, figures.breaches_per_day, strict=True)],
            label="deadline breaches per day", alert=True, every_nth_label=nth),
        "clauses": row_chart([Bar(f"{cid} {title}", n, f"{cid}: {n} open case(s)",
                                  href=f"/cases?{urlencode({'clause': cid})}")
                              for cid, title, n in figures.open_by_clause],
                             label="open cases by clause"),
        "reporters": row_chart([Bar(name, n, f"{name}: {n} complaint(s)")
                                for name, n in figures.top_reporters], label="top reporters"),
    }


@router.get("/dashboard")
def dashboard_page(request: Request, days: int = Query(30, ge=7, le=366),
                   principal: Principal = staff(Permission.REPORTS_READ)) -> Response:
    figures = dashboard_service(services_of(request).container).figures(days=days)
    # The overdue figure links to the queue of the same cases: due before now, most urgent
    # first.
    overdue = urlencode({"due_before": f"{figures.now:%Y-%m-%dT%H:%M:%S}", "order": "due"})
    return render(request, "dashboard.html", {"figures": figures, "charts": charts(figures),
                                              "days": days, "overdue_query": overdue})
