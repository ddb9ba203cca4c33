"""Executors: a real command run without a shell, a signed webhook to a real HTTP server."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from abusedesk.adapters.enforcement.command import CommandExecutor
from abusedesk.adapters.enforcement.manual import ManualExecutor
from abusedesk.adapters.enforcement.registry import executors_from_settings
from abusedesk.adapters.enforcement.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookExecutor,
    verify,
)
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.enforcement import ExecutionRequest
from abusedesk.domain.errors import ConfigurationError
from abusedesk.domain.policy import Action

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SECRET = "webhook-secret-0123456789"


def execution(target: str = "192.0.2.10", *, lift: bool = False,
              action: Action = Action.SUSPEND) -> ExecutionRequest:
    return ExecutionRequest(action_id=5, action=action, target=target,
                            case_reference="AD-2026-000003", case_id=3, customer_id=1,
                            clause_id="conduct.5a", requested_by="ann", approved_by=None,
                            lift=lift)


RECORDER = """\
import json, os, sys
record = {"argv": sys.argv[1:], "stdin": json.loads(sys.stdin.read()),
          "env_target": os.environ["ABUSEDESK_ACTION_TARGET"]}
with open(os.environ["RECORD_TO"], "w") as handle:
    json.dump(record, handle)
print("suspended", sys.argv[-1])
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
"""


@pytest.fixture
def recorder(tmp_path: Path) -> Path:
    script = tmp_path / "record.py"
    script.write_text(RECORDER, encoding="utf-8")
    return script


def test_the_command_gets_each_value_as_one_argument_never_through_a_shell(
        recorder: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    marker = tmp_path / "pwned"
    hostile = f"evil.example; touch {marker} $(touch {marker})"
    executor = CommandExecutor([sys.executable, str(recorder), "--case", "{case}", "{target}"],
                               env={"RECORD_TO": str(record)})
    result = executor.execute(execution(hostile))
    assert result.ok, result.detail
    seen = json.loads(record.read_text())
    assert seen["argv"] == ["--case", "AD-2026-000003", hostile]
    assert seen["stdin"]["target"] == hostile and seen["stdin"]["operation"] == "apply"
    assert seen["env_target"] == hostile
    assert not marker.exists()
    assert "suspended" in result.detail


def test_a_value_that_looks_like_an_option_is_refused(recorder: Path, tmp_path: Path) -> None:
    executor = CommandExecutor([sys.executable, str(recorder), "{target}"],
                               env={"RECORD_TO": str(tmp_path / "r.json")})
    result = executor.execute(execution("--delete-everything"))
    assert not result.ok and "begins with '-'" in result.detail
    assert not (tmp_path / "r.json").exists()


def test_lifting_uses_the_lift_command_and_failures_are_reported(recorder: Path,
                                                                 tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    executor = CommandExecutor([sys.executable, str(recorder), "apply", "{target}"],
                               lift_argv=[sys.executable, str(recorder), "lift", "{target}"],
                               env={"RECORD_TO": str(record)})
    assert executor.execute(execution(lift=True)).ok
    assert json.loads(record.read_text())["argv"] == ["lift", "192.0.2.10"]
    failing = CommandExecutor([sys.executable, str(recorder), "{target}"],
                              env={"RECORD_TO": str(record), "EXIT_WITH": "3"})
    result = failing.execute(execution())
    assert not result.ok and "status 3" in result.detail
    missing = CommandExecutor([str(tmp_path / "no-such-program"), "{target}"])
    assert "does not exist" in missing.execute(execution()).detail


def test_a_hanging_command_is_stopped(tmp_path: Path) -> None:
    executor = CommandExecutor([sys.executable, "-c", "import time; time.sleep(30)"],
                               timeout=0.5)
    result = executor.execute(execution())
    assert not result.ok and "did not finish" in result.detail


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers.items()), body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ticket OPS-7 opened")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/abuse/suspend", handler
    server.shutdown()
    server.server_close()


def test_the_webhook_is_signed_over_timestamp_and_body(receiver) -> None:
    url, handler = receiver
    executor = WebhookExecutor(url, SECRET, FrozenClock(T0), timeout=5)
    result = executor.execute(execution())
    assert result.ok and "200" in result.detail and "OPS-7" in result.detail
    headers, body = handler.received[0]
    assert json.loads(body) == execution().as_payload()
    assert headers[TIMESTAMP_HEADER] == str(int(T0.timestamp()))
    now = int(T0.timestamp())
    assert verify(SECRET.encode(), headers, body, now=now)
    assert not verify(b"another-secret-value", headers, body, now=now)
    assert not verify(SECRET.encode(), headers, body.replace(b"192.0.2.10", b"192.0.2.11"),
                      now=now)
    assert not verify(SECRET.encode(), headers, body, now=now + 3600)  # a replay, later
    assert headers[SIGNATURE_HEADER].startswith("sha256=")


def test_a_webhook_refusal_or_silence_is_a_failure(receiver) -> None:
    url, handler = receiver
    handler.status = 503
    result = WebhookExecutor(url, SECRET, FrozenClock(T0), timeout=5).execute(execution())
    assert not result.ok and "503" in result.detail
    dead = WebhookExecutor("http://127.0.0.1:9/none", SECRET, FrozenClock(T0), timeout=2)
    assert not dead.execute(execution()).ok


def test_the_registry_validates_the_setting() -> None:
    clock = FrozenClock(T0)
    executor_for = executors_from_settings({
        "suspend": {"kind": "webhook", "url": "https://ops.example.net/x", "secret": SECRET},
        "block-host": {"kind": "command", "argv": ["/usr/local/sbin/block", "{target}"]},
    }, clock)
    assert isinstance(executor_for(Action.SUSPEND), WebhookExecutor)
    assert isinstance(executor_for(Action.BLOCK_HOST), CommandExecutor)
    assert isinstance(executor_for(Action.TERMINATE), ManualExecutor)
    for bad in ({"suspend": {"kind": "ssh"}},
                {"suspend": {"kind": "webhook", "url": "ftp://x", "secret": SECRET}},
                {"suspend": {"kind": "webhook", "url": "https://x.example", "secret": "short"}},
                {"suspend": {"kind": "webhook", "url": "http://[::1", "secret": SECRET}},
                {"suspend": {"kind": "webhook", "url": "http://x.example:99999/",
                             "secret": SECRET}},
                {"suspend": {"kind": ["webhook"]}},
                {"suspend": {"kind": "command", "argv": "rm -rf /"}},
                {"suspend": {"kind": "command", "argv": ["/bin/x", "{password}"]}},
                {"suspend": {"kind": "command", "argv": ["{target}"]}},
                {"suspend": {"kind": "manual", "extra": 1}},
                {"sudo": {"kind": "manual"}}):
        with pytest.raises(ConfigurationError):
            executors_from_settings(bad, clock)


def test_a_webhook_without_a_url_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"\['suspend'\]: a webhook needs a url"):
        executors_from_settings({"suspend": {"kind": "webhook", "secret": SECRET}},
                                FrozenClock(T0))


def test_dry_runs_describe_without_acting(recorder: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    command = CommandExecutor([sys.executable, str(recorder), "{target}"],
                              env={"RECORD_TO": str(record)})
    assert command.describe(execution()).endswith('"192.0.2.10"')
    assert not record.exists()
    webhook = WebhookExecutor("https://ops.example.net/x", SECRET, FrozenClock(T0))
    assert webhook.describe(execution()).startswith("POST https://ops.example.net/x")
