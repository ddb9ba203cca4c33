"""``abusedesk serve`` (and ``abusedesk worker``) as subprocesses, for end-to-end tests.

``ServeProcess`` starts the real command with its own environment (database, data
directory, a free SMTP port and a free HTTP port in case the web part is on), waits until
the SMTP port greets, and can be killed with SIGKILL mid-flight and started again.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from tests.support.processes import stop_process
from tests.support.smtp import free_tcp_port


def abusedesk_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an abusedesk subprocess: this one's, plus the test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")
           or k.startswith("ABUSEDESK_TEST_")}
    env.update({
        "ABUSEDESK_DATABASE_URL": database_url,
        "ABUSEDESK_DATA_DIR": str(data_dir),
        "ABUSEDESK_SMTP_HOST": "127.0.0.1",
        "ABUSEDESK_SMTP_PORT": str(free_tcp_port()),
        "ABUSEDESK_HTTP_HOST": "127.0.0.1",
        "ABUSEDESK_HTTP_PORT": str(free_tcp_port()),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    })
    env.update(extra)
    return env


class ManagedProcess:
    """One abusedesk subprocess whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as output:
            output.write(f"--- start {self.starts}: {' '.join(self.args)}\n".encode())
            output.flush()
            self.process = subprocess.Popen([sys.executable, "-m", "abusedesk", *self.args],
                                            env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, as when the machine loses power."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        stop_process(self.process)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class ServeProcess(ManagedProcess):
    """``abusedesk serve``, ready once its SMTP port answers with a greeting."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(["serve"], env, log)
        self.smtp_port = int(env["ABUSEDESK_SMTP_PORT"])

    def start_and_wait(self, seconds: float = 60.0) -> None:
        self.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"abusedesk serve exited:\n{self.output()[-3000:]}")
            try:
                with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=2) as probe:
                    if probe.noop()[0] == 250:
                        return
            except (OSError, smtplib.SMTPException):
                time.sleep(0.1)
        raise RuntimeError(f"abusedesk serve did not answer on SMTP:\n{self.output()[-3000:]}")
