"""A real Chromium through the staff UI and the customer portal.

Flows: an analyst signs in, filters the queue, opens a case, reads the complaint and takes
an action; a customer's representative signs in to the portal and answers a case with
evidence; a complaint carrying ``<script>`` and ``onerror=`` payloads is displayed inertly.
Screenshots of each step are kept in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.cases import CaseState
from abusedesk.domain.complaints import Channel
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.interfaces.workers.complaints import complaint_processor
from abusedesk.services.access_rules import Role
from abusedesk.services.demo import sample_complaints
from tests.support.browser import (
    NO_CHROMIUM_REASON,
    LiveServer,
    chromium,
    chromium_path,
    screenshot,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason=NO_CHROMIUM_REASON)]

PASSWORD = "browser test passphrase"

HOSTILE = (
    b"From: Mallory <mallory@attacker.example>\r\n"
    b"To: abuse@hosting.example\r\n"
    b"Subject: <script>alert('subject')</script><img src=x onerror=alert('subject')>\r\n"
    b"Date: Sun, 01 Mar 2026 08:00:00 +0000\r\n"
    b"Message-ID: <hostile-browser@attacker.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b2"\r\n\r\n'
    b"--b2\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Spam seen from a host of yours.\r\n"
    b"--b2\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<script>document.title='pwned';alert('body')</script>"
    b"<img src=x onerror=\"document.body.dataset.pwned='yes';alert('img')\">"
    b"<svg onload=\"alert('svg')\"></svg>\r\n"
    b"--b2--\r\n"
)


@dataclass
class Site:
    container: Container
    url: str
    customer_key: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}", data_dir=tmp_path)
    container = build_container(settings)
    prepare_database(container)
    container.customers.import_sample()
    access = access_service(container)
    access.add_user("ana", PASSWORD, Role.ANALYST, display_name="Ana Lyst")
    key = access.create_token("Northwind portal", created_by="test",
                              customer_id=container.customers.get("C-1001").id).secret
    intake = container.intake
    for sample in sample_complaints():
        receipt = (intake.accept_xarf(sample.data, channel=Channel.API) if sample.is_xarf
                   else intake.accept_message(sample.data, channel=Channel.API))
        complaint_processor(container).process(receipt.complaint_id)
        case_desk(container).cases.aggregate_complaint(receipt.complaint_id)
    with LiveServer(container) as server:
        yield Site(container, server.url, key)
    container.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def _page(browser: Any) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page, dialogs


def _sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/cases")
    assert "/login" in page.url  # the queue asks for a sign-in first
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/cases")


def test_an_analyst_works_a_case_from_the_queue(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    page, dialogs = _page(browser)
    page.goto(f"{site.url}/")
    screenshot(page, "staff-1-login")
    _sign_in(page, site.url)
    rows = page.locator("tr[data-reference]")
    assert rows.count() == 4
    assert page.locator(".deadline").count() == 4
    screenshot(page, "staff-2-queue")

    page.select_option("#clause", "conduct.3e")  # htmx swaps the table in place
    # A locator assertion polls from Python: the page's CSP forbids the eval that
    # wait_for_function would need.
    expect(rows).to_have_count(1)
    assert "clause=conduct.3e" in page.url
    assert "203.0.113.140" in page.locator("#queue").inner_text()
    screenshot(page, "staff-3-queue-filtered")

    page.locator("tr[data-reference] a").first.click()
    page.wait_for_selector("#case-state")
    assert page.locator("#case-state").inner_text() == "New"
    raw = page.locator("pre.raw-message").first.text_content()
    assert "203.0.113.140" in raw and '"category": "reputation"' in raw
    screenshot(page, "staff-4-case")

    page.select_option("#to", "notified")
    page.fill("#reason", "notice sent by telephone")
    page.click("#transition-form button")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#case-state").inner_text() == "Notified"
    assert "due in" in page.locator("#case-deadline").inner_text()

    page.select_option("#action", "warn")
    page.fill("#action-reason", "first warning for the listing")
    page.click("#action-form button")
    page.wait_for_selector(".flash.ok")
    assert "warn" in page.locator(".flash.ok").inner_text()
    assert "first warning for the listing" in page.locator("[data-action]").first.inner_text()
    assert "notified" in page.locator("#timeline").inner_text()
    screenshot(page, "staff-5-action-taken")

    page.goto(f"{site.url}/dashboard")
    assert page.locator("#chart-complaints svg rect").count() >= 28
    assert page.locator("#open-cases").inner_text() == "4"
    screenshot(page, "staff-6-dashboard")
    assert dialogs == []


def test_a_representative_answers_in_the_portal(site: Site, browser: Any,
                                                tmp_path: Path) -> None:
    reference = case_desk(site.container).queries.list()[-1].case.reference
    case_desk(site.container).cases.transition(reference, CaseState.NOTIFIED, actor="test",
                                               reason="notice sent")
    page, dialogs = _page(browser)
    page.goto(f"{site.url}/portal")
    assert "/portal/login" in page.url
    page.fill("#access_key", site.customer_key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/portal")
    rows = page.locator("tr[data-reference]")
    assert rows.count() == 1 and reference in rows.first.inner_text()  # its own case only
    screenshot(page, "portal-1-cases")
    rows.first.locator("a").click()
    page.wait_for_selector("#response-form")
    evidence = tmp_path / "cleanup.txt"
    evidence.write_text("removed the spam script from the web server at 10:02 UTC\n")
    page.select_option("#kind", "remedy")
    page.fill("#author", "Ada Northwind")
    page.fill("#text", "The compromised newsletter script is removed and passwords rotated.")
    page.set_input_files("#evidence", str(evidence))
    screenshot(page, "portal-2-answer")
    page.click("#response-form button")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#case-state").inner_text() == "Resolved"
    assert "Ada Northwind" in page.content()
    screenshot(page, "portal-3-answered")
    detail = case_desk(site.container).queries.detail(reference)
    assert detail.responses[-1].evidence[0][0] == "cleanup.txt"
    assert dialogs == []


def test_a_hostile_complaint_is_displayed_inertly(site: Site, browser: Any) -> None:
    receipt = site.container.intake.accept_message(HOSTILE, channel=Channel.API)
    page, dialogs = _page(browser)
    _sign_in(page, site.url)
    page.goto(f"{site.url}/complaints/{receipt.complaint_id}")
    page.wait_for_selector("#raw-message")
    screenshot(page, "hostile-complaint")
    assert dialogs == [], f"complaint content ran as script: {dialogs}"
    assert page.title() != "pwned"
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    assert page.evaluate("document.querySelectorAll('main img, main svg[onload]').length") == 0
    shown = " ".join(page.locator("pre.raw[data-part]").all_text_contents())
    assert "<script>document.title='pwned'" in shown  # the text is there, as text
    assert "onerror=" in page.locator("#raw-message").text_content()
    page.goto(f"{site.url}/complaints")
    assert dialogs == [] and "<script>alert('subject')</script>" in page.inner_text("main")


def test_an_analyst_follows_the_links_between_pages(site: Site, browser: Any) -> None:
    page, dialogs = _page(browser)
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url)
            if response.status >= 400 else None)
    _sign_in(page, site.url)

    page.fill("#customer", "C-9999")  # a mistyped reference: said where it was typed
    page.press("#customer", "Enter")
    page.wait_for_selector("#filter-problem")
    assert "no customer 'C-9999'" in page.locator("#filter-problem").inner_text()
    assert page.input_value("#customer") == "C-9999"
    screenshot(page, "links-1-queue-unknown-customer")

    page.goto(f"{site.url}/dashboard")
    page.locator("#chart-clauses a").filter(has_text="conduct.2c").click()
    page.wait_for_url("**/cases?clause=conduct.2c")
    assert page.locator("tr[data-reference]").count() == 1

    page.locator("tr[data-reference] a").first.click()
    page.wait_for_selector("#case-state")
    reference = page.locator("h1 .mono").inner_text()
    page.locator(".complaint h2 a").first.click()  # the case's complaint ...
    page.wait_for_selector("#complaint-cases")
    screenshot(page, "links-2-complaint-and-its-case")
    page.locator(f"#complaint-cases a[href='/cases/{reference}']").click()  # ... and back
    page.wait_for_selector("#case-state")
    assert reference in page.url
    assert "case opened" in page.locator("#timeline").inner_text()
    assert failed == [], f"requests that failed: {failed}"  # no favicon 404 either
    assert dialogs == []
