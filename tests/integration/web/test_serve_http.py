"""``abusedesk serve`` as a user runs it: the HTTP part on a free port, and ``--demo`` giving a
working desk at once (sample customers, sample complaints processed into cases, a login)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.web.conftest import csrf_of
from tests.support.browser import serve_process


class Served:
    def __init__(self, process: subprocess.Popen[str], lines: list[str]) -> None:
        self.process = process
        self.lines = lines

    @property
    def url(self) -> str:
        for line in self.lines:
            found = re.search(r"web: (http://[0-9.]+:\d+)/", line)
            if found:
                return found.group(1)
        raise AssertionError(f"serve printed no web URL: {self.lines}")


def _serve(data_dir: Path, *args: str) -> Iterator[Served]:
    with serve_process(data_dir, *args) as (process, lines):
        yield Served(process, lines)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path / "data")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path / "data", "--demo")


def test_serve_listens_on_a_free_port_and_stops_cleanly(served: Served) -> None:
    page = httpx.get(f"{served.url}/login")
    assert page.status_code == 200 and "Sign in to abusedesk" in page.text
    assert httpx.get(f"{served.url}/api/openapi.json").json()["info"]["title"] == "abusedesk API"
    assert httpx.get(f"{served.url}/api/v1/cases").status_code == 401
    # A fresh installation has nobody to sign in as: serve says how to make the first admin.
    assert any("abusedesk users add NAME --role admin" in line for line in served.lines)
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=30) == 0


def test_the_demo_is_a_working_desk_at_once(demo: Served) -> None:
    text = "\n".join(demo.lines)
    found = re.search(r"sign in as user '(\w+)' with password '([^']+)'", text)
    assert found, text
    assert "sample customers loaded (7 new" in text
    assert "4 sample complaints submitted (4 new)" in text
    assert "no staff user yet" not in text  # the demo made one
    # Into a pipe, the long portal key line stays one line, the key whole at its end.
    key_line = next(line for line in demo.lines if "access key of" in line)
    assert re.search(r"access key of .+: adk_[\w-]{43}$", key_line), text
    client = httpx.Client(base_url=demo.url, follow_redirects=False)
    page = client.get("/login")
    signed = client.post("/login", data={"username": found.group(1), "password": found.group(2),
                                         "csrf_token": csrf_of(page.text)})
    assert signed.status_code == 303 and signed.headers["location"] == "/cases"
    deadline = time.monotonic() + 60
    rows: list[str] = []
    while time.monotonic() < deadline:  # the in-process worker turns complaints into cases
        rows = re.findall(r'data-reference="(AD-[0-9-]+)"', client.get("/cases").text)
        if len(rows) == 4:
            break
        time.sleep(0.5)
    assert len(rows) == 4, "the demo complaints did not become cases"
    customers = client.get("/customers").text
    assert "Riverbank Cloud Resellers" in customers and "Northwind Widgets Ltd" in customers
