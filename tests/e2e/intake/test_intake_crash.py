"""The crash test: a burst of 1,000 messages over real SMTP, ``abusedesk serve`` killed with
SIGKILL in the middle and started again. Every message that got a 250 is stored exactly
once and processed; the ones refused or left unanswered by the kill are retried by the
client, as an MTA would, and end stored exactly once too. On SQLite and on PostgreSQL (where
an ``abusedesk worker`` process runs the jobs).
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import smtplib
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from abusedesk.adapters.db.tables.complaints import ComplaintRow
from abusedesk.adapters.db.tables.events import EventRow
from abusedesk.bootstrap import build_container
from abusedesk.config import Settings
from abusedesk.services.intake_records import ComplaintRecords
from tests.support.cli import abusedesk
from tests.support.smtp import Reply, arf_complaint, deliver
from tests.support.smtp_serve import ManagedProcess, ServeProcess, abusedesk_env

MESSAGES = 1000
CLIENTS = 8
KILL_AFTER = 400  # accepted messages before the SIGKILL
RCPT = ["abuse@hosting.example.net"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _message(index: int) -> bytes:
    return arf_complaint(source_ip=f"192.0.2.{index % 250 + 1}",
                         message_id=f"crash-{index}@feedback.example.org")


@dataclass
class Burst:
    """What the clients saw, message by message."""

    replies: dict[int, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    accepted: dict[int, Reply] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted_count: int = 0
    enough: threading.Event = field(default_factory=threading.Event)

    def record(self, index: int, reply: Reply) -> None:
        with self.lock:
            self.replies[index].append(reply)
            if reply.accepted:
                self.accepted[index] = reply
                self.accepted_count += 1
                if self.accepted_count >= KILL_AFTER:
                    self.enough.set()


def _client(port: int, work: queue.Queue[int], burst: Burst, deadline: float) -> None:
    """Deliver messages from ``work``, retrying each until it gets 250 (an MTA's queue)."""
    connection: smtplib.SMTP | None = None
    while True:
        try:
            index = work.get_nowait()
        except queue.Empty:
            break
        while time.monotonic() < deadline:
            try:
                if connection is None:
                    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
                reply = deliver(connection, _message(index), mail_from="fbl@feedback.example.org",
                                rcpt_tos=RCPT)
            except (OSError, smtplib.SMTPException) as error:
                reply = Reply(None, f"{type(error).__name__}: {error}")
                connection = None
            burst.record(index, reply)
            if reply.accepted:
                break
            assert reply.code is None or reply.code < 500, f"permanent refusal: {reply}"
            time.sleep(0.2)  # the server is down or busy: try again shortly
    if connection is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.quit()


def _wait_until_processed(records: ComplaintRecords, container, seconds: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with container.sessions() as session:
            waiting = session.scalar(select(func.count()).select_from(ComplaintRow).where(
                ComplaintRow.status == "received"))
        if waiting == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{waiting} complaint(s) still wait for processing")


def test_every_accepted_message_survives_a_kill_and_is_processed_once(
        database_url: str, tmp_path: Path) -> None:
    env = abusedesk_env(database_url, tmp_path / "data")
    upgraded = abusedesk("db", "upgrade", env=env)
    assert upgraded.code == 0, upgraded.stderr
    server = ServeProcess(env, tmp_path / "serve.log")
    worker = ManagedProcess(["worker", "--concurrency", "4"], env, tmp_path / "worker.log")
    embedded = database_url.startswith("sqlite")
    server.start_and_wait()
    if not embedded:
        worker.start()  # on PostgreSQL, serve does not run jobs
    burst = Burst()
    work: queue.Queue[int] = queue.Queue()
    for index in range(MESSAGES):
        work.put(index)
    deadline = time.monotonic() + 600
    clients = [threading.Thread(target=_client, args=(server.smtp_port, work, burst, deadline))
               for _ in range(CLIENTS)]
    container = build_container(Settings(database_url=database_url, data_dir=tmp_path / "data"))
    try:
        for client in clients:
            client.start()
        assert burst.enough.wait(300), "the burst did not get going"
        server.kill()
        accepted_before_kill = burst.accepted_count
        server.start_and_wait()
        for client in clients:
            client.join(600)
        assert not any(c.is_alive() for c in clients), "clients did not finish"
        records = ComplaintRecords(container.uow)
        _wait_until_processed(records, container, seconds=300)

        with container.sessions() as session:
            rows = session.execute(select(
                ComplaintRow.id, ComplaintRow.message_id, ComplaintRow.duplicate_of_id,
                ComplaintRow.sha256, ComplaintRow.status, ComplaintRow.event_count)).all()
            events = Counter(session.scalars(select(EventRow.complaint_id)))
    finally:
        server.stop()
        worker.stop()
        container.close()

    by_id = {row.id: row for row in rows}
    originals = Counter(row.message_id for row in rows if row.duplicate_of_id is None)
    refused = sum(1 for replies in burst.replies.values() for r in replies if r.code is not None
                  and not r.accepted)
    unanswered = sum(1 for replies in burst.replies.values() for r in replies if r.code is None)
    print(f"\n{MESSAGES} messages; {accepted_before_kill} accepted before the SIGKILL; "
          f"{refused} refused with 4xx and {unanswered} unanswered attempt(s), all retried; "
          f"{len(rows) - MESSAGES} duplicate record(s) from retries of stored messages")

    assert accepted_before_kill < MESSAGES, "the kill did not happen mid-burst"
    assert len(burst.accepted) == MESSAGES, "a message never got its 250"
    for index, reply in burst.accepted.items():
        message_id = f"crash-{index}@feedback.example.org"
        complaint_id = int(reply.text.split("complaint ")[1].split(",")[0])
        record = by_id[complaint_id]  # the 250 names a stored record of this message
        assert record.message_id == message_id
        original = by_id[record.duplicate_of_id or record.id]
        assert originals[message_id] == 1, f"{message_id} stored {originals[message_id]} times"
        assert original.sha256 == hashlib.sha256(_message(index)).hexdigest()
        assert original.status == "processed"
        assert original.event_count == events[original.id] == 1
    assert sum(originals.values()) == MESSAGES
    assert all(row.status == "duplicate" for row in rows if row.duplicate_of_id is not None)
    assert "Traceback" not in server.output().split("--- start 2")[-1]
