"""``complaints.process``: the processing job of a stored complaint.

Enqueued by the intake in the transaction that stored the complaint, and by replays. Once a
complaint's events are stored, the job enqueues each task of ``FOLLOW_UP_TASKS`` that is
registered (case aggregation, when it exists) with the complaint's id, in the same
transaction.
"""

from __future__ import annotations

from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import PROCESS_TASK
from abusedesk.interfaces.workers.registry import all_tasks, task
from abusedesk.services.processing import ComplaintProcessor
from abusedesk.services.processing_setup import parse_options, parser, policy_timeline

#: Tasks run after a complaint's events are stored, when registered; each takes
#: ``complaint_id`` and must be idempotent (a replay enqueues it again).
FOLLOW_UP_TASKS = ("cases.aggregate",)

_CACHE_KEY = "complaints.processor"


def complaint_processor(container: Container) -> ComplaintProcessor:
    """The processor wired from ``container`` (built once per container)."""
    return container.cached(_CACHE_KEY, lambda: _build_processor(container))


def _build_processor(container: Container) -> ComplaintProcessor:
    settings = container.settings
    options = parse_options(max_message_bytes=settings.max_message_bytes,
                            own_names=settings.smtp_aliases)
    registered = all_tasks()
    processor = ComplaintProcessor(
        container.uow, container.clock,
        parse=parser(options),
        policy_at=policy_timeline(container.policies),
        resolver=container.resolver,
        follow_ups=[name for name in FOLLOW_UP_TASKS if name in registered],
    )
    return processor


@task(PROCESS_TASK, retries=5)
def process_complaint(container: Container, *, complaint_id: int) -> None:
    """Parse, classify, resolve and store one complaint; a no-op if it is already done."""
    complaint_processor(container).process(complaint_id)
