"""The case services of one process, built together from the settings and the adapters.

``CaseDesk`` is what interfaces (CLI, workers, API, web) use for cases, deadlines,
notices, customer answers, enforcement and the audit log. The adapters it needs (the
relay, the executors, the secret key) are chosen by the caller, which keeps this module
free of them: see ``abusedesk.interfaces.workers.cases.case_desk``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from abusedesk.domain.cases_ports import ExecutorFor, Mailer
from abusedesk.domain.clock import Clock
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import AuditService
from abusedesk.services.cases import CaseService, CaseSettings
from abusedesk.services.cases_deadlines import DeadlineService
from abusedesk.services.cases_queries import CaseQueries
from abusedesk.services.cases_responses import ResponseService
from abusedesk.services.enforcement import EnforcementService
from abusedesk.services.notifications import NotificationService
from abusedesk.services.notifications_drafts import NoticeSettings
from abusedesk.services.notifications_render import NoticeRenderer


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Everything the case services read from ``abusedesk.config.Settings``."""

    cases: CaseSettings
    notices: NoticeSettings
    template_dir: Path | None = None
    evidence_max_bytes: int = 10 * 1024 * 1024
    enforcement_dry_run: bool = False


@dataclass(frozen=True, slots=True)
class CaseDesk:
    cases: CaseService
    queries: CaseQueries
    deadlines: DeadlineService
    notifications: NotificationService
    responses: ResponseService
    enforcement: EnforcementService
    audit: AuditService


def build_case_desk(uow: Callable[[], UnitOfWork], clock: Clock, settings: DeskSettings, *,
                    mailer: Mailer, executor_for: ExecutorFor, key: bytes) -> CaseDesk:
    leads: tuple[timedelta, ...] = settings.cases.reminder_leads
    renderer = NoticeRenderer(settings.template_dir, language=settings.notices.language)
    return CaseDesk(
        cases=CaseService(uow, clock, settings.cases),
        queries=CaseQueries(uow, clock),
        deadlines=DeadlineService(uow, clock, settings.cases),
        notifications=NotificationService(uow, clock, mailer=mailer, renderer=renderer,
                                          settings=settings.notices, key=key, leads=leads),
        responses=ResponseService(uow, clock, key=key, public_url=settings.notices.public_url,
                                  lifetime=settings.notices.link_lifetime,
                                  evidence_max_bytes=settings.evidence_max_bytes, leads=leads),
        enforcement=EnforcementService(uow, clock, executor_for=executor_for,
                                       dry_run=settings.enforcement_dry_run, leads=leads),
        audit=AuditService(uow, clock),
    )
