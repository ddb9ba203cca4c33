"""Benchmark: the case queue with 1,000,000 cases in PostgreSQL, through the real server.

Creates a PostgreSQL database of its own, migrates it, loads the sample customers, and
bulk-loads N cases (default 1,000,000) into the real ``cases`` table with COPY: about one
in ten open (new, notified, acknowledged, awaiting-customer, escalated) with running
deadlines, the rest resolved, closed or dismissed, spread over a year, every clause and
customer. COPY goes around the application, so the repeat-offence counters it keeps as
cases open and change state are then rebuilt from the loaded cases, as ``abusedesk`` does
(``rebuild_offence_counts``). Then starts ``abusedesk serve`` on that database and times,
with httpx against the server, the staff UI's queue page and the API's case listing with
each filter (state, clause, customer, due before), both orders (newest, most urgent first)
and a page deep in the listing: p50 and p99 over R requests per scenario, after a warm-up.
The database is dropped afterwards unless ``--keep``.

    .venv/bin/python bench/web.py [--cases N] [--requests R] [--server-url URL] [--keep]

The server URL (any database on the server) comes from ``--server-url``, else
``ABUSEDESK_BENCH_POSTGRES_URL``, else ``ABUSEDESK_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from abusedesk.adapters.db.tables.cases import CaseRow  # noqa: E402
from abusedesk.bootstrap import build_container, prepare_database  # noqa: E402
from abusedesk.config import Settings  # noqa: E402
from abusedesk.domain.cases import case_reference  # noqa: E402
from abusedesk.interfaces.api.wiring import access_service  # noqa: E402
from abusedesk.services.access_rules import Role  # noqa: E402

OPEN_STATES = ("new", "notified", "acknowledged", "awaiting-customer", "escalated")
FINAL_SPLIT = (("closed", 0.55), ("resolved", 0.2), ("dismissed", 0.25))
PASSWORD = "bench passphrase 2026"
FIRST_OFFENDER = int(ipaddress.IPv4Address("100.64.0.0"))
NOW = datetime.now(UTC).replace(microsecond=0)


def server_url(given: str | None) -> str:
    url = (given or os.environ.get("ABUSEDESK_BENCH_POSTGRES_URL")
           or os.environ.get("ABUSEDESK_TEST_POSTGRES_URL"))
    if not url:
        sys.exit("name a PostgreSQL server: --server-url postgresql://user@host:5432/postgres")
    return url


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def admin_connect(url: str) -> psycopg.Connection[Any]:
    plain = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)


def case_rows(count: int, customers: list[tuple[int, int]], clauses: list[dict[str, Any]],
              policy_id: int) -> Iterator[dict[str, Any]]:
    """The cases to load, oldest first; ``customers`` are (customer id, notify party id)."""
    span = timedelta(days=365)
    for number in range(1, count + 1):
        opened = NOW - span + span * number / count
        customer_id, party_id = customers[number % len(customers)]
        clause = clauses[(number * 7) % len(clauses)]
        offender = str(ipaddress.IPv4Address(FIRST_OFFENDER + number))
        bucket = (number * 2654435761) % 1000  # spreads states evenly over time
        if bucket < 100:
            state = OPEN_STATES[bucket % len(OPEN_STATES)]
        else:
            share, state = (bucket - 100) / 900, FINAL_SPLIT[-1][0]
            for name, part in FINAL_SPLIT:
                if share < part:
                    state = name
                    break
                share -= part
        deadline = clause["deadline_seconds"]
        notified = opened + timedelta(minutes=5) if state != "new" else None
        running = state in OPEN_STATES and state != "new" and deadline is not None
        due = notified + timedelta(seconds=deadline) if running and notified else None
        final = state in ("closed", "dismissed")
        yield {
            "id": number, "reference": case_reference(number, opened), "state": state,
            "customer_id": customer_id, "notify_customer_id": party_id,
            "clause_id": clause["id"], "clause_title": clause["title"], "offender": offender,
            "open_key": None if final else f"{customer_id}|{clause['id']}|{offender}",
            "policy_version_id": policy_id, "severity": clause["severity"],
            "restricted": clause["restricted"], "opened_at": opened,
            "updated_at": opened + timedelta(hours=1), "first_event_at": opened,
            "last_event_at": opened, "event_count": 1 + number % 5,
            "ladder": json.dumps(clause["ladder"]), "rung": 0,
            "deadline_seconds": deadline, "deadline_source": f"clause {clause['id']}",
            "ladder_source": f"clause {clause['id']}",
            "clock_started_at": notified if running else None,
            "clock_seconds": deadline if running else None, "paused_at": None,
            "paused_seconds": 0, "reminders_sent": 0, "due_at": due,
            "next_check_at": due, "notified_at": notified,
            "resolved_at": opened + timedelta(days=1) if state in ("resolved", "closed") else None,
            "closed_at": opened + timedelta(days=2) if final else None,
            "previous_case_id": None, "reopen_count": 0, "consent_note": None, "attention": None,
        }


def load_cases(url: str, count: int, customers: list[tuple[int, int]],
               clauses: list[dict[str, Any]], policy_id: int) -> float:
    table = CaseRow.__table__
    sample = next(case_rows(1, customers, clauses, policy_id))
    columns = [column.name for column in table.columns]
    missing = [c.name for c in table.columns if c.name not in sample and not c.nullable]
    if missing:
        sys.exit(f"the cases table has columns this benchmark does not fill: {missing}")
    columns = [name for name in columns if name in sample]
    started = time.perf_counter()
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:
                for row in case_rows(count, customers, clauses, policy_id):
                    copy.write_row([row[name] for name in columns])
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                           "(SELECT max(id) FROM cases))")
        connection.commit()
        connection.execute("ANALYZE cases")
    return time.perf_counter() - started


def rebuild_counters(settings: Settings) -> tuple[int, float]:
    """Rebuild the repeat-offence counters after the bulk load; (customers, seconds)."""
    started = time.perf_counter()
    container = build_container(settings)
    try:
        with container.uow() as uow:
            customers = uow.cases.rebuild_offence_counts()
            uow.commit()
    finally:
        container.close()
    return customers, time.perf_counter() - started


def start_server(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "ABUSEDESK_DATABASE_URL": database_url, "COLUMNS": "250",
           "ABUSEDESK_DATA_DIR": str(data_dir), "ABUSEDESK_HTTP_PORT": "0",
           "ABUSEDESK_SMTP_PORT": "0", "NO_COLOR": "1"}
    process = subprocess.Popen([sys.executable, "-m", "abusedesk", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip())
        found = re.search(r"web: (http://[0-9.]+:\d+)/", line)
        if found:
            return process, found.group(1)
        if "abusedesk is running" in line:
            break
    process.kill()
    sys.exit("the server did not start:\n" + "\n".join(lines))


def timed(client: httpx.Client, path: str, requests: int,
          headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(max(3, requests // 20)):  # warm-up: connections, caches, plans
        client.get(path, headers=headers)
    durations = []
    status = 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        durations.append(time.perf_counter() - started)
        status = response.status_code
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {response.text[:300]}")
    durations.sort()
    shown = len(re.findall(r'data-reference="', response.text)) if "json" not in \
        response.headers.get("content-type", "") else len(response.json())
    return {"path": path, "p50": statistics.median(durations) * 1000,
            "p99": durations[min(len(durations) - 1, int(0.99 * len(durations)))] * 1000,
            "mean": statistics.fmean(durations) * 1000, "rows": shown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--server-url")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    server = server_url(args.server_url)
    name = f"abusedesk_bench_web_{uuid.uuid4().hex[:8]}"
    with admin_connect(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = with_database(server, name)
    scratch = Path(tempfile.mkdtemp(prefix="abusedesk-bench-web-"))
    process = None
    try:
        settings = Settings(database_url=database_url, data_dir=scratch)
        container = build_container(settings)
        prepare_database(container)
        container.customers.import_sample()
        stored = container.policies.in_force().stored
        promptly = settings.promptly_deadline
        clauses = []
        for clause in stored.policy.clauses:
            if clause.is_violation:
                duration = clause.deadline.resolve(promptly)
                clauses.append({"id": clause.id, "title": clause.title,
                                "severity": clause.severity.value, "restricted": clause.restricted,
                                "ladder": [a.value for a in clause.ladder],
                                "deadline_seconds": int(duration.total_seconds())
                                if duration else None})
        summaries = container.customers.summaries()
        by_ref = {s.customer.ref: s.customer.id for s in summaries}
        customers = [(s.customer.id, by_ref[s.notify_ref]) for s in summaries]
        access = access_service(container)
        access.add_user("bench", PASSWORD, Role.ANALYST)
        token = access.create_token("bench", created_by="bench", role=Role.ANALYST).secret
        container.close()
        print(f"loading {args.cases:,} cases into {name} ...", flush=True)
        seconds = load_cases(database_url, args.cases, customers, clauses, stored.id)
        print(f"loaded in {seconds:.1f} s ({args.cases / seconds:,.0f} rows/s)", flush=True)
        counted, seconds = rebuild_counters(settings)
        print(f"repeat-offence counters of {counted} customers rebuilt in {seconds:.1f} s",
              flush=True)

        process, url = start_server(database_url, scratch)
        client = httpx.Client(base_url=url, timeout=120, follow_redirects=False)
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, "no sign-in form"
        signed = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                             "csrf_token": csrf.group(1)})
        assert signed.status_code == 303, signed.text
        due = (NOW + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
        due_api = (NOW + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
        api = {"Authorization": f"Bearer {token}"}
        middle = args.cases // 2
        scenarios = [
            ("page: open cases", "/cases", {}),
            ("page: state=escalated", "/cases?state=escalated", {}),
            ("page: clause=conduct.5a", "/cases?clause=conduct.5a", {}),
            ("page: customer=C-1001", "/cases?customer=C-1001", {}),
            ("page: due before +24 h", f"/cases?due_before={due}", {}),
            ("page: open cases, most urgent first", "/cases?order=due", {}),
            ("api: open cases", "/api/v1/cases", api),
            ("api: open cases, a page halfway down", f"/api/v1/cases?before_id={middle}", api),
            ("api: state=notified&clause=conduct.3e",
             "/api/v1/cases?state=notified&clause=conduct.3e", api),
            ("api: customer=P-2001-02", "/api/v1/cases?customer=P-2001-02", api),
            ("api: due_before=+24 h", f"/api/v1/cases?due_before={due_api}", api),
            ("api: due_before=+24 h&order=due",
             f"/api/v1/cases?due_before={due_api}&order=due", api),
        ]
        print(f"\n{args.cases:,} cases; {args.requests} requests per scenario, one client\n")
        print(f"{'scenario':42} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'rows':>6}")
        for label, path, headers in scenarios:
            result = timed(client, path, args.requests, headers)
            print(f"{label:42} {result['p50']:9.1f} {result['p99']:9.1f} "
                  f"{result['mean']:9.1f} {result['rows']:6d}", flush=True)
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            with admin_connect(server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")


if __name__ == "__main__":
    main()
