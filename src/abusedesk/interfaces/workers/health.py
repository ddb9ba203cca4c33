"""``queue.ping``: a round trip through the job queue, to prove workers are alive."""

from __future__ import annotations

import os
import socket
import threading

from abusedesk.adapters.db.tables.jobs import QueuePingRow
from abusedesk.bootstrap import Container
from abusedesk.interfaces.workers.registry import task


@task("queue.ping", retries=3)
def ping(container: Container, *, token: str) -> None:
    """Record which worker ran the ping ``token``; a token recorded twice ran twice."""
    worker = f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"
    with container.sessions.begin() as session:
        session.add(QueuePingRow(token=token, worker=worker, done_at=container.clock.now()))
