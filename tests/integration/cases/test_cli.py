"""``abusedesk cases`` and ``abusedesk audit`` as a user runs them (SQLite, real processes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.cases.conftest import CUSTOMERS, arf_complaint
from tests.integration.cases.relay import CapturingRelay, split_multipart
from tests.support.cli import abusedesk

pytestmark = pytest.mark.slow


@dataclass
class Installation:
    env: dict[str, str]
    relay: CapturingRelay


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    """An embedded installation with customers, one complaint submitted and the worker run."""
    relay = CapturingRelay().start()
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path / "data"), "ABUSEDESK_RELAY_HOST": "127.0.0.1",
           "ABUSEDESK_RELAY_PORT": str(relay.port),
           "ABUSEDESK_MAIL_FROM": "abuse@provider.example", "ABUSEDESK_SECRET_KEY": "c" * 40}
    customers = tmp_path / "customers.json"
    customers.write_text(json.dumps(CUSTOMERS), encoding="utf-8")
    assert abusedesk("customers", "import", str(customers), env=env).code == 0
    complaint = tmp_path / "complaint.eml"
    complaint.write_bytes(arf_complaint("192.0.2.10"))
    submitted = abusedesk("submit", str(complaint), env=env)
    assert submitted.code == 0, submitted.stderr
    worked = abusedesk("worker", "--burst", env=env)
    assert worked.code == 0, worked.stderr
    yield Installation(env, relay)
    relay.stop()


@pytest.fixture
def cli_env(installation: Installation) -> dict[str, str]:
    return installation.env


def test_list_show_and_illegal_transition(cli_env: dict[str, str]) -> None:
    listed = abusedesk("cases", "list", env=cli_env)
    assert listed.code == 0 and "AD-" in listed.stdout and "notified" in listed.stdout
    reference = next(word for word in listed.stdout.split() if word.startswith("AD-"))
    shown = abusedesk("cases", "show", reference, env=cli_env)
    assert shown.code == 0
    for expected in ("Harbour Widgets Ltd", "conduct.5a", "192.0.2.10", "case.transition",
                     "notice #"):
        assert expected in shown.stdout
    illegal = abusedesk("cases", "transition", reference, "closed", "--reason", "tidy",
                        env=cli_env)
    assert illegal.code == 5
    assert "cannot move from notified to closed" in illegal.stderr
    moved = abusedesk("cases", "transition", reference, "resolved", "--reason", "fixed",
                      "--actor", "ann", env=cli_env)
    assert moved.code == 0 and "resolved" in moved.stdout
    unknown = abusedesk("cases", "show", "AD-1999-000999", env=cli_env)
    assert unknown.code == 4
    # The service's message names no command; the CLI adds the one that helps.
    assert "no case 'AD-1999-000999'; `abusedesk cases list` shows the cases" in unknown.stderr
    suspended = abusedesk("cases", "transition", reference, "suspended", "--reason", "x",
                          env=cli_env)
    assert suspended.code == 5
    assert f"`abusedesk cases enforce {reference} suspend` requests it" in suspended.stderr


def test_notify_sends_again_through_the_relay(cli_env: dict[str, str], tmp_path: Path) -> None:
    reference = next(w for w in abusedesk("cases", "list", env=cli_env).stdout.split()
                     if w.startswith("AD-"))
    sent = abusedesk("cases", "notify", reference, env=cli_env)
    assert sent.code == 0 and "sent" in sent.stdout and "abuse-desk@harbour.example" in sent.stdout


def test_audit_verify_detects_an_edited_row(cli_env: dict[str, str]) -> None:
    ok = abusedesk("audit", "verify", env=cli_env)
    assert ok.code == 0 and "verified" in ok.stdout
    head = abusedesk("audit", "head", env=cli_env).stdout.strip()
    database = Path(cli_env["ABUSEDESK_DATA_DIR"]) / "abusedesk.db"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
    tampered = abusedesk("audit", "verify", env=cli_env)
    assert tampered.code == 1
    assert "edited at entry 2" in tampered.stdout and "does not verify" in tampered.stderr
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM audit_log WHERE seq = 2")
    deleted = abusedesk("audit", "verify", "--expect-head", head, env=cli_env)
    assert deleted.code == 1 and "missing" in deleted.stdout


def test_enforce_and_charges_csv(cli_env: dict[str, str], tmp_path: Path) -> None:
    reference = next(w for w in abusedesk("cases", "list", env=cli_env).stdout.split()
                     if w.startswith("AD-"))
    requested = abusedesk("cases", "enforce", reference, "terminate", "--reason", "repeat",
                          "--actor", "ann", env=cli_env)
    assert requested.code == 0 and "awaiting-approval" in requested.stdout
    action_id = requested.stdout.split("#", 1)[1].split()[0]
    refused = abusedesk("cases", "approve", action_id, "--actor", "ann", env=cli_env)
    assert refused.code == 5 and "second person" in refused.stderr
    approved = abusedesk("cases", "approve", action_id, "--actor", "bob", env=cli_env)
    assert approved.code == 0 and "[done]" in approved.stdout
    charged = abusedesk("cases", "charge", reference, "--kind", "time", "--quantity", "2",
                        "--unit-price", "75", "--currency", "EUR", "--description",
                        "investigation", env=cli_env)
    assert charged.code == 0 and "150.00 EUR" in charged.stdout
    out = tmp_path / "charges.csv"
    assert abusedesk("cases", "charges", "-o", str(out), env=cli_env).code == 0
    assert out.read_text().splitlines()[1].startswith(f"{reference},")


def test_the_worker_delivered_the_true_copy(installation: Installation) -> None:
    raw = abusedesk("complaints", "get", "1", "--raw", env=installation.env)
    assert raw.code == 0
    (notice,) = installation.relay.to("abuse-desk@harbour.example")
    attachment = split_multipart(notice.data)[1][1][1]
    assert attachment == arf_complaint("192.0.2.10") == raw.stdout.encode("utf-8")
    assert len(installation.relay.to("fbl-reports@mailbox.example")) == 1  # acknowledged
