"""The queue's "due before" filter and its order, through the API and the staff UI: full
pages however many newer cases have no deadline, paging on without gaps or repeats, most
urgent first. On SQLite and PostgreSQL.

Three of Northwind's addresses are blocklisted and told (their deadlines run, an hour
apart); then more than ten times a page of newer listings arrive whose notices have not
gone out, so they have no deadline yet and sit between the newest case and the due ones.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from abusedesk.domain.clock import FrozenClock
from abusedesk.interfaces.web.routes import cases as queue_routes
from tests.integration.web.conftest import Desk, submit_and_process

PAGE = 2
NEWER_WITHOUT_DEADLINE = 10 * PAGE + 2
FAR_AHEAD = "2030-01-01T00:00:00Z"


def blocklisting(address: str, number: int) -> bytes:
    """A reputation service's XARF v4 listing of ``address`` (as the sample listing)."""
    return json.dumps({
        "xarf_version": "4.2.0", "report_id": f"listing-{number}",
        "timestamp": "2026-03-01T06:30:00Z",
        "reporter": {"org": "Example Reputation Service", "contact": "listings@reputation.example",
                     "domain": "reputation.example"},
        "sender": {"org": "Example Reputation Service", "contact": "listings@reputation.example",
                   "domain": "reputation.example"},
        "source_identifier": address, "category": "reputation", "type": "blocklist",
        "evidence_source": "spamtrap", "threat_type": "spam_source", "confidence_score": 90,
        "first_reported": "2026-03-01T06:00:00Z",
        "description": f"{address} sent mail to spam traps and is listed.",
    }).encode()


@pytest.fixture
def due_cases(desk: Desk, clock: FrozenClock) -> list[dict]:
    """The three told cases as the API shows them, in the order they come due."""
    analyst = desk.people["analyst"].bearer()
    told = []
    for number in range(3):
        submit_and_process(desk, blocklisting(f"192.0.2.{10 + number}", number), xarf=True)
        (case,) = [c for c in desk.client.get("/api/v1/cases", headers=analyst).json()
                   if c["offender"] == f"192.0.2.{10 + number}"]
        moved = desk.client.post(f"/api/v1/cases/{case['reference']}/transitions",
                                 json={"to": "notified", "reason": "told by phone"},
                                 headers=analyst)
        assert moved.status_code == 200 and moved.json()["deadline"]["running"]
        told.append(moved.json())
        clock.advance(timedelta(hours=1))
    for number in range(NEWER_WITHOUT_DEADLINE):
        submit_and_process(desk, blocklisting(f"192.0.2.{40 + number}", 100 + number), xarf=True)
    return told


def _api_pages(desk: Desk, query: str) -> list[list[dict]]:
    analyst = desk.people["analyst"].bearer()
    pages: list[list[dict]] = []
    after = ""
    while len(pages) < 20:
        answer = desk.client.get(f"/api/v1/cases?{query}&limit={PAGE}{after}", headers=analyst)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        if len(pages[-1]) < PAGE:
            return pages
        after = f"&before_id={pages[-1][-1]['id']}"
    raise AssertionError("paging did not end")


def test_the_api_fills_a_due_before_page_and_pages_on_to_the_rest(
        desk: Desk, due_cases: list[dict]) -> None:
    pages = _api_pages(desk, f"due_before={FAR_AHEAD}")
    assert [len(page) for page in pages] == [PAGE, 1]
    newest_first = [c["reference"] for c in reversed(due_cases)]
    assert [c["reference"] for page in pages for c in page] == newest_first
    first_due = due_cases[0]["deadline"]["due_at"].replace("+00:00", "Z")
    (only,) = _api_pages(desk, f"due_before={first_due}")
    assert [c["reference"] for c in only] == [due_cases[0]["reference"]]


def test_the_api_lists_the_most_urgent_first_then_the_cases_without_a_deadline(
        desk: Desk, due_cases: list[dict]) -> None:
    urgent = [c["reference"] for c in due_cases]
    pages = _api_pages(desk, f"due_before={FAR_AHEAD}&order=due")
    assert [c["reference"] for page in pages for c in page] == urgent
    everything = [c for page in _api_pages(desk, "order=due") for c in page]
    assert [c["reference"] for c in everything[:3]] == urgent
    waiting = everything[3:]
    assert len(waiting) == NEWER_WITHOUT_DEADLINE
    assert all(c["deadline"]["due_at"] is None for c in waiting)
    assert [c["id"] for c in waiting] == sorted(c["id"] for c in waiting)
    assert len({c["id"] for c in everything}) == len(everything)
    refused = desk.client.get("/api/v1/cases?order=oldest",
                              headers=desk.people["analyst"].bearer())
    assert refused.status_code == 422 and "newest, due" in refused.json()["detail"]


def _queue_page(desk: Desk, url: str) -> tuple[list[str], str | None]:
    page = desk.session_client("analyst").get(url)
    assert page.status_code == 200, page.text
    shown = re.findall(r'<tr data-reference="([^"]+)"', page.text)
    following = re.search(r'<div class="pager"><a href="([^"]+)">', page.text)
    return shown, following.group(1).replace("&amp;", "&") if following else None


def test_the_queue_page_fills_a_due_before_page_and_pages_on(
        desk: Desk, due_cases: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_routes, "PAGE_SIZE", PAGE)
    for order, expected in (("", [c["reference"] for c in reversed(due_cases)]),
                            ("due", [c["reference"] for c in due_cases])):
        shown, following = _queue_page(desk, f"/cases?due_before=2030-01-01T00:00&order={order}")
        assert shown == expected[:PAGE]
        assert following is not None and "due_before=2030-01-01T00%3A00" in following
        rest, last = _queue_page(desk, following)
        assert rest == expected[PAGE:] and last is None
    page = desk.session_client("analyst").get("/cases?order=due")
    assert '<option value="due" selected>most urgent first</option>' in page.text
