"""A real browser for the web UI tests: Debian's Chromium driven by Playwright, and a live
abusedesk HTTP server for it to talk to (in this process, or ``abusedesk serve`` run as a user
runs it).

No browser is downloaded: Playwright launches the system ``chromium`` (or the one named by
``ABUSEDESK_TEST_CHROMIUM``) headless. Tests needing it skip with ``NO_CHROMIUM_REASON``
where it is absent. Screenshots go to ``test-artifacts/`` at the project root (ignored by
git, kept by CI as artifacts).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from abusedesk.bootstrap import Container
from abusedesk.interfaces.api.app import create_app
from abusedesk.interfaces.api.server import bind_socket, url_of
from tests.support.processes import stop_process

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-dev-shm-usage"]
SERVE_START_SECONDS = 60
NO_CHROMIUM_REASON = ("no Chromium to drive: install Debian's chromium package "
                      "(scripts/test does) or set ABUSEDESK_TEST_CHROMIUM")


def chromium_path() -> str | None:
    """The Chromium executable, or None when there is none."""
    named = os.environ.get("ABUSEDESK_TEST_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None, NO_CHROMIUM_REASON
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot as a test artifact; returns its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class LiveServer:
    """The abusedesk app of ``container`` served by uvicorn on 127.0.0.1 and a free port."""

    def __init__(self, container: Container) -> None:
        self._sock = bind_socket("127.0.0.1", 0)
        self.url = url_of(self._sock)
        config = uvicorn.Config(create_app(container), log_level="warning", lifespan="off",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test HTTP server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()


@contextmanager
def serve_process(data_dir: Path, *args: str,
                  **env: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``abusedesk serve ARGS`` in a subprocess (HTTP and SMTP on free ports, ``env`` added),
    with the lines it printed up to "abusedesk is running"; stopped with SIGINT at the end."""
    environment = {**{k: v for k, v in os.environ.items() if k != "COLUMNS"}, "NO_COLOR": "1",
                   "ABUSEDESK_DATA_DIR": str(data_dir), "ABUSEDESK_HTTP_PORT": "0",
                   "ABUSEDESK_SMTP_PORT": "0", **env}
    process = subprocess.Popen([sys.executable, "-m", "abusedesk", "serve", *args],
                               env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + SERVE_START_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "abusedesk is running" in line:
            break
    try:
        assert any("abusedesk is running" in line for line in lines), "\n".join(lines)
        yield process, lines
    finally:
        stop_process(process, signum=signal.SIGINT)
