"""Group commit for the SMTP intake: messages of many sessions stored in shared transactions.

Every session's DATA waits for a commit before its 250; a commit costs a disk flush. Writer
threads take whatever messages are waiting (up to a count and a size), store them in one
transaction, and then answer each session, so under load one flush serves many messages
while no message is acknowledged before its commit. If that transaction fails, every
message in it gets the error (and its sender a 451). On SQLite one writer suits (the
database takes one writer at a time); PostgreSQL takes several in parallel.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from abusedesk.domain.complaints import Channel, Envelope, Receipt
from abusedesk.domain.errors import AbuseDeskError
from abusedesk.services.intake import Incoming, IntakeService

log = logging.getLogger(__name__)

#: Most messages and bytes stored in one transaction.
MAX_GROUP = 64
MAX_GROUP_BYTES = 32 * 1024 * 1024


@dataclass
class _Job:
    raw: bytes
    envelope: Envelope
    future: Future[Receipt] = field(default_factory=Future)


class GroupCommitWriter:
    """Threads that store submitted messages in groups; ``submit`` returns a future."""

    def __init__(self, intake: IntakeService, *, threads: int, channel: Channel = Channel.SMTP,
                 max_group: int = MAX_GROUP, max_group_bytes: int = MAX_GROUP_BYTES) -> None:
        self.intake = intake
        self.channel = channel
        self.max_group = max_group
        self.max_group_bytes = max_group_bytes
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._run, name=f"smtp-writer-{n}", daemon=True)
                         for n in range(threads)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Store what was submitted, then end the threads."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def submit(self, raw: bytes, envelope: Envelope) -> Future[Receipt]:
        job = _Job(raw, envelope)
        self._queue.put(job)
        return job.future

    def _run(self) -> None:
        while True:
            group = self._next_group()
            if group is None:
                return
            self._store(group)

    def _next_group(self) -> list[_Job] | None:
        first = self._queue.get()
        if first is None:
            return None
        group, size = [first], len(first.raw)
        while len(group) < self.max_group and size < self.max_group_bytes:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._queue.put(None)  # the stop signal is for after this group
                break
            group.append(job)
            size += len(job.raw)
        return group

    def _store(self, group: list[_Job]) -> None:
        ready: list[tuple[_Job, Incoming]] = []
        for job in group:
            try:
                ready.append((job, self.intake.prepare_message(
                    job.raw, channel=self.channel, envelope=job.envelope)))
            except AbuseDeskError as error:  # this message only: too big, empty
                job.future.set_exception(error)
        if not ready:
            return
        try:
            receipts = self.intake.store([incoming for _job, incoming in ready])
        except BaseException as error:  # noqa: BLE001 - every sender must hear of the failure
            log.error("storing %d message(s) failed: %s", len(ready), error)
            for job, _incoming in ready:
                job.future.set_exception(error)
            return
        for (job, _incoming), receipt in zip(ready, receipts, strict=True):
            job.future.set_result(receipt)
