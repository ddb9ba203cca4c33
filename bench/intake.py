"""Benchmark: complaints per second accepted durably over SMTP, with 10 concurrent clients.

Starts each server in a child process on loopback and drives it with the same client: 10
threads, each on its own SMTP connection, delivering small ARF complaints (about 1 KB)
back to back. Servers, in one run on one machine:

* raw aiosmtpd with a handler that stores nothing and answers 250: the baseline;
* abusedesk's SMTP intake on SQLite (WAL, synchronous=FULL): every 250 follows a commit;
* abusedesk's SMTP intake on PostgreSQL, when a server is named by
  ``ABUSEDESK_BENCH_POSTGRES_URL`` (or ``ABUSEDESK_TEST_POSTGRES_URL``); a scratch database
  is created and dropped.

Only the intake runs (no processing worker), so the figure is what abuse@ can take in.
Prints messages per second and the ratio to the baseline, and checks that every accepted
message is stored.

    .venv/bin/python bench/intake.py [--messages N] [--clients N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Executable, text  # noqa: E402

from tests.support.databases import PostgresTemplates  # noqa: E402
from tests.support.smtp import arf_complaint, deliver, free_tcp_port  # noqa: E402

RCPT = ["abuse@hosting.example.net"]


# -- the servers (child processes) -------------------------------------------------------------

class _StoreNothing:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


async def _serve_baseline(port: int) -> None:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(_StoreNothing(), hostname="bench.localhost", data_size_limit=25 << 20,
                     enable_SMTPUTF8=True, loop=loop),
        host="127.0.0.1", port=port)
    await _until_stopped(server)


async def _serve_abusedesk(port: int, database_url: str, data_dir: str) -> None:
    from abusedesk.bootstrap import build_container, prepare_database
    from abusedesk.config import Settings
    from abusedesk.interfaces.smtpd.component import smtp_server

    container = build_container(Settings(database_url=database_url, data_dir=Path(data_dir)))
    prepare_database(container)
    try:
        async with smtp_server(container, host="127.0.0.1", port=port) as running:
            await _until_stopped(running.server)
    finally:
        container.close()


async def _until_stopped(server: asyncio.Server) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()


def child(argv: list[str]) -> None:
    kind, port = argv[0], int(argv[1])
    if kind == "baseline":
        asyncio.run(_serve_baseline(port))
    else:
        asyncio.run(_serve_abusedesk(port, argv[2], argv[3]))


# -- the client ----------------------------------------------------------------------------------

def start_server(args: list[str]) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, __file__, "--child", *args],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"server {args[0]} did not start")
    return process


def stop_server(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def burst(port: int, messages: list[bytes], clients: int) -> tuple[float, int]:
    """Deliver ``messages`` over ``clients`` connections at once; (seconds, accepted)."""
    share = [messages[i::clients] for i in range(clients)]
    start = threading.Barrier(clients + 1)
    accepted = [0] * clients

    def run(index: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            client.ehlo("bench.client")
            start.wait()
            for raw in share[index]:
                reply = deliver(client, raw, mail_from="fbl@feedback.example.org",
                                rcpt_tos=RCPT)
                accepted[index] += reply.accepted

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, sum(accepted)


def _scalar(database_url: str, statement: Executable) -> object:
    from abusedesk.adapters.db.engine import create_database_engine

    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(statement)
    finally:
        engine.dispose()


def stored_count(database_url: str) -> int:
    from sqlalchemy import func, select

    from abusedesk.adapters.db.tables.complaints import ComplaintRow

    return int(_scalar(database_url, select(func.count()).select_from(ComplaintRow)) or 0)


def postgres_server() -> str | None:
    return os.environ.get("ABUSEDESK_BENCH_POSTGRES_URL") or \
        os.environ.get("ABUSEDESK_TEST_POSTGRES_URL") or None


def measure(label: str, server_args: list[str], messages: list[bytes], clients: int,
            rounds: int, database_url: str | None) -> float:
    rates = []
    for round_number in range(rounds):
        port = free_tcp_port()
        batch = [raw.replace(b"@feedback.example.org>",
                             f".r{round_number}@feedback.example.org>".encode(), 1)
                 for raw in messages]
        process = start_server([server_args[0], str(port), *server_args[1:]])
        try:
            burst(port, [arf_complaint(  # warm up: connections, caches, the first commit
                source_ip="198.51.100.1", message_id=f"warm-{label}-{round_number}-{i}@x.example")
                for i in range(clients)], clients)
            before = stored_count(database_url) if database_url else 0
            seconds, accepted = burst(port, batch, clients)
        finally:
            stop_server(process)
        if accepted != len(batch):
            raise SystemExit(f"{label}: only {accepted} of {len(batch)} messages got 250")
        if database_url and stored_count(database_url) - before != accepted:
            raise SystemExit(f"{label}: {accepted} accepted but "
                             f"{stored_count(database_url) - before} stored")
        rates.append(accepted / seconds)
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="median of this many bursts")
    options = parser.parse_args()
    messages = [arf_complaint(source_ip=f"192.0.2.{i % 250 + 1}",
                              message_id=f"bench-{i}@feedback.example.org")
                for i in range(options.messages)]
    size = statistics.mean(len(m) for m in messages)
    print(f"intake over SMTP: {options.clients} concurrent clients, {options.messages} messages "
          f"of {size / 1024:.1f} KB per burst, median of {options.rounds} bursts; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    results: list[tuple[str, float]] = []
    baseline = measure("baseline", ["baseline"], messages, options.clients, options.rounds, None)
    results.append(("raw aiosmtpd, stores nothing (baseline)", baseline))
    with tempfile.TemporaryDirectory(prefix="abusedesk-bench-") as scratch:
        sqlite_url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        rate = measure("sqlite", ["abusedesk", sqlite_url, scratch], messages, options.clients,
                       options.rounds, sqlite_url)
        results.append(("abusedesk on SQLite (WAL, synchronous=FULL)", rate))
        server_url = postgres_server()
        if server_url:
            with PostgresTemplates(server_url).empty_database() as pg_url:
                setting = _scalar(pg_url, text("SHOW synchronous_commit"))
                rate = measure("postgres", ["abusedesk", pg_url, scratch], messages,
                               options.clients, options.rounds, pg_url)
            results.append((f"abusedesk on PostgreSQL (synchronous_commit={setting})", rate))
        else:
            print("PostgreSQL: skipped (set ABUSEDESK_BENCH_POSTGRES_URL)")
    width = max(len(label) for label, _ in results)
    print(f"{'server':<{width}}  {'msgs/s':>8}  {'ratio to baseline':>17}")
    for label, rate in results:
        print(f"{label:<{width}}  {rate:>8.0f}  {rate / baseline:>17.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
