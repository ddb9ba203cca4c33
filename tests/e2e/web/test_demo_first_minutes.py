"""A new user's first minutes: ``abusedesk serve --demo``, then the printed URL and login in
a real Chromium. The queue fills with the demo's cases, a case shows its complaint, the
customers, policy and dashboard pages render, and the printed portal key opens the portal.
Screenshots of each page are kept in ``test-artifacts/demo-*.png``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import (
    NO_CHROMIUM_REASON,
    chromium,
    chromium_path,
    screenshot,
    serve_process,
)
from tests.support.smtp import free_tcp_port

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None, reason=NO_CHROMIUM_REASON)]


@pytest.fixture
def demo_output(tmp_path: Path) -> Iterator[str]:
    # No relay answers at the configured address: the demo keeps notices in its outbox.
    with serve_process(tmp_path / "data", "--demo",
                       ABUSEDESK_RELAY_PORT=str(free_tcp_port())) as (_, lines):
        yield "\n".join(lines)


def test_the_first_minutes_with_the_demo(demo_output: str) -> None:
    outbox = re.search(r"notices go to a local outbox: (\S+)", demo_output)
    url = re.search(r"web: (http://[0-9.]+:\d+)/", demo_output)
    login = re.search(r"sign in as user '(\w+)' with password '([^']+)'", demo_output)
    key = re.search(r"access key of .*?: (adk_\S+)", demo_output)
    assert url and login and key, demo_output
    base = url.group(1)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(base + "/")
        page.fill("#username", login.group(1))
        page.fill("#password", login.group(2))
        page.click("button[type=submit]")
        page.wait_for_url(base + "/cases")
        for _ in range(60):  # the in-process worker turns the complaints into cases
            if page.locator("tr[data-reference]").count() == 4:
                break
            time.sleep(0.5)
            page.reload()
        assert page.locator("tr[data-reference]").count() == 4
        for _ in range(60):  # each notice reaches the demo outbox and the case is notified
            if page.locator("tr[data-reference]", has_text="Notified").count() == 4:
                break
            time.sleep(0.5)
            page.reload()
        assert page.locator("tr[data-reference]", has_text="Notified").count() == 4
        screenshot(page, "demo-1-queue")
        page.locator("tr[data-reference] a").first.click()
        page.wait_for_selector("#case-state")
        assert page.locator(".complaint pre.raw-message").count() == 1
        screenshot(page, "demo-2-case")
        for path, name in (("/customers", "demo-3-customers"), ("/customers/P-2001",
                           "demo-4-partner"), ("/policy", "demo-5-policy"),
                           ("/dashboard", "demo-6-dashboard"), ("/complaints",
                           "demo-7-complaints")):
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            screenshot(page, name)
        assert page.locator("tbody tr").count() == 4
        page.click("text=Sign out")
        page.goto(base + "/portal")
        page.fill("#access_key", key.group(1))
        page.click("button[type=submit]")
        page.wait_for_url(base + "/portal")
        # the sample partner answers for its customers: the phishing and blocklist cases
        assert page.locator("tr[data-reference]").count() == 2
        screenshot(page, "demo-8-portal")
    assert outbox, demo_output
    notices = [path.read_bytes() for path in Path(outbox.group(1)).glob("*.eml")]
    cases = {line.split(b":", 1)[1].strip() for notice in notices
             for line in notice.splitlines() if line.startswith(b"X-Abusedesk-Case:")}
    assert len(cases) == 4  # one notice per case kept as a file to read
