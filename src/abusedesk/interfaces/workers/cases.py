"""Jobs of the case work, and the one place their services are wired to adapters.

- ``cases.aggregate`` (``complaint_id``): fold a processed complaint's events into cases;
  enqueued by complaint processing in the transaction that stored the events.
- ``notices.send`` (``notice_id``): render and send one queued notice through the relay;
  a relay that is down makes the job fail and retry with backoff.
- ``cases.deadlines`` (periodic, ``ABUSEDESK_DEADLINE_CHECK_CRON``, default every minute):
  reminders and escalations, and opt-in evidence requests left unanswered past their due
  time (``abusedesk.services.bulk_optin``), which escalate their cases.

``case_desk(container)`` builds the case services once per container; the CLI and the
HTTP interfaces use it too.
"""

from __future__ import annotations

import logging

from abusedesk.adapters.enforcement.registry import executors_from_settings
from abusedesk.adapters.mail.outbound import SmtpRelayMailer
from abusedesk.adapters.secret_key import secret_key
from abusedesk.bootstrap import Container
from abusedesk.config import Settings
from abusedesk.interfaces.workers.registry import task
from abusedesk.services.cases import CaseSettings
from abusedesk.services.cases_desk import CaseDesk, DeskSettings, build_case_desk
from abusedesk.services.cases_queue import SEND_TASK
from abusedesk.services.notifications_drafts import NoticeSettings

log = logging.getLogger(__name__)

AGGREGATE_TASK = "cases.aggregate"
DEADLINES_TASK = "cases.deadlines"

_CACHE_KEY = "cases.desk"


def desk_settings(settings: Settings) -> DeskSettings:
    """The slice of the settings the case services read."""
    own = tuple(f"{local}@{settings.smtp_hostname}" for local in settings.smtp_local_parts)
    return DeskSettings(
        cases=CaseSettings(promptly=settings.promptly_deadline,
                           reopen_window=settings.case_reopen_window,
                           reminder_leads=tuple(settings.reminder_leads),
                           acknowledge_complainants=settings.acknowledge_complainants),
        notices=NoticeSettings(mail_from=settings.mail_from, public_url=settings.public_url,
                               link_lifetime=settings.response_link_lifetime,
                               promptly=settings.promptly_deadline,
                               own_addresses=own + tuple(settings.smtp_aliases),
                               language=settings.notice_language),
        template_dir=settings.notice_template_dir,
        evidence_max_bytes=settings.evidence_max_bytes,
        enforcement_dry_run=settings.enforcement_dry_run,
    )


def relay_mailer(settings: Settings) -> SmtpRelayMailer:
    return SmtpRelayMailer(
        settings.relay_host, settings.relay_port, starttls=settings.relay_starttls,
        user=settings.relay_user,
        password=settings.relay_password.get_secret_value() if settings.relay_password else None,
        timeout=settings.relay_timeout_seconds, local_hostname=settings.smtp_hostname)


def case_desk(container: Container) -> CaseDesk:
    """The case services of ``container`` (built once; settings are validated here)."""
    return container.cached(_CACHE_KEY, lambda: _build_desk(container))


def _build_desk(container: Container) -> CaseDesk:
    settings = container.settings
    return build_case_desk(
        container.uow, container.clock, desk_settings(settings),
        mailer=relay_mailer(settings),
        executor_for=executors_from_settings(settings.enforcement_executors, container.clock),
        key=secret_key(settings))


@task(AGGREGATE_TASK, retries=5)
def aggregate(container: Container, *, complaint_id: int) -> None:
    """Fold a complaint's events into cases; idempotent, so a rerun changes nothing."""
    report = case_desk(container).cases.aggregate_complaint(complaint_id)
    log.info("complaint %s: opened %s, joined %s, reopened %s, covered by consent %s",
             complaint_id, report.opened, report.joined, report.reopened, report.covered)


@task(SEND_TASK, retries=6)
def send_notice(container: Container, *, notice_id: int) -> None:
    """Send one queued notice; raises (and is retried) while the relay is unavailable."""
    case_desk(container).notifications.send(notice_id)


def deadline_schedule(settings: Settings) -> str:
    return settings.deadline_check_cron


@task(DEADLINES_TASK, retries=1, cron=deadline_schedule)
def check_deadlines(container: Container, *, timestamp: int | None = None) -> None:
    """Reminders and escalations due now; overdue opt-in evidence requests."""
    report = case_desk(container).deadlines.check()
    if report.reminded or report.escalated or report.exhausted:
        log.info("deadlines: %d checked, reminded %s, escalated %s, ladder exhausted %s",
                 report.checked, report.reminded, report.escalated, report.exhausted)
    overdue = container.optin.check_overdue()
    if overdue.flagged:
        log.info("opt-in evidence overdue: requests %s; escalated %s", overdue.flagged,
                 overdue.escalated)
