"""The blocklist sweep job, and the one place the monitor is wired to the case services.

- ``blocklists.sweep`` (periodic, every minute): when ``ABUSEDESK_BLOCKLIST_SWEEP_CRON``
  (default every 6 hours) names a moment since the last sweep of the customers' assets,
  sweep them all and record the results (the schedule starts at the first tick: the
  first sweep follows at the next time it names); listing changes open, update, resolve and
  escalate cases as they are recorded. One sweep runs at a time: the sweep holds a lock
  in the database (a lease), so a tick during a long sweep, or a second worker, only
  finds the lock taken and returns.

``blocklist_monitor(container)`` is the monitor of ``container`` with its case hooks; the
CLI uses it too.
"""

from __future__ import annotations

import asyncio
import logging

from abusedesk.bootstrap import Container
from abusedesk.domain.errors import ConfigurationError, Conflict
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.interfaces.workers.registry import task
from abusedesk.services.blocklist_monitor import BlocklistMonitor, CaseHooks, MonitorReport

log = logging.getLogger(__name__)

SWEEP_TASK = "blocklists.sweep"
#: How often the schedule is looked at; the schedule itself is a setting.
SWEEP_TICK_CRON = "* * * * *"


def blocklist_monitor(container: Container) -> BlocklistMonitor:
    """The monitor of ``container``, with listing changes going to its case services."""
    desk = case_desk(container)
    hooks = CaseHooks(aggregate=desk.cases.aggregate_complaint,
                      leads=tuple(container.settings.reminder_leads))
    return container.blocklists.using(cases=hooks)


def describe(report: MonitorReport) -> str:
    """One line for the log: counts, transitions and what they did to cases."""
    summary = report.summary
    changes = ", ".join(f"{name} {count}" for name, count
                        in (report.record.changes.items() if report.record else ())) or "none"
    applied = "; ".join(f"{change.entry} on {change.zone}: {change.outcome}"
                        for change in report.changes if change.outcome)
    return (f"{summary.targets} target(s), {summary.queries} lookup(s), {summary.listed} "
            f"listed, {summary.errors} failed, {len(summary.rejected)} not swept; "
            f"changes: {changes}" + (f"; {applied}" if applied else ""))


@task(SWEEP_TASK, retries=1, cron=SWEEP_TICK_CRON)
def scheduled_sweep(container: Container, *, timestamp: int | None = None) -> None:
    """Sweep every customer asset when the schedule says so; a no-op otherwise.

    A broken zone file or schedule is logged at every tick rather than raised: a failed
    job a minute would bury the queue, and the same error shows on `abusedesk blocklists`.
    """
    try:
        monitor = blocklist_monitor(container)
        if not monitor.sweep_due(container.settings.blocklist_sweep_cron):
            return
    except ConfigurationError as error:
        log.error("blocklist sweeps are not running: %s", error)
        return
    except Conflict as busy:
        log.info("blocklist sweep not started: %s", busy)
        return
    try:
        report = asyncio.run(monitor.sweep(trigger="schedule"))
    except Conflict as busy:
        log.info("blocklist sweep not started: %s", busy)
        return
    log.info("blocklist sweep: %s", describe(report))
