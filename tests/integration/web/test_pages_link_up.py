"""An analyst's first look: the pages lead to one another (complaint to case, dashboard to
queue, token to customer), a queue filter that names nothing says so where it was typed,
the timeline reads in words, and the OpenAPI description says how to authenticate. On
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from abusedesk.domain.clock import FrozenClock
from tests.integration.web.conftest import CUSTOMER_REF, SAMPLES, Desk, submit_and_process


def _page(desk: Desk, path: str, **headers: str) -> str:
    response = desk.session_client("analyst").get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.text


def _only_case(desk: Desk) -> dict:
    (case,) = desk.client.get("/api/v1/cases", headers=desk.people["analyst"].bearer()).json()
    return case


def test_a_complaint_page_leads_to_the_case_it_opened_and_names_the_customer(desk: Desk) -> None:
    complaint_id = submit_and_process(desk, "01-spam-arf.eml")
    case = _only_case(desk)
    html = _page(desk, f"/complaints/{complaint_id}")
    cases = html.split('id="complaint-cases"', 1)[1].split("</div>\n  <div", 1)[0]
    assert f'href="/cases/{case["reference"]}"' in cases
    assert case["clause_id"] in cases and "Northwind Widgets Ltd" in cases
    assert "waits for its notice" in cases  # its deadline indicator, as on the queue
    assert f"customer {case['customer_id']}<" not in html  # the events name the customer too


def test_a_complaint_without_cases_says_so(desk: Desk) -> None:
    not_ours = (b"From: Watcher <watch@example.net>\r\nTo: abuse@hosting.example\r\n"
                b"Subject: nothing to see\r\nDate: Sun, 01 Mar 2026 08:00:00 +0000\r\n"
                b"Message-ID: <nothing-1@example.net>\r\n\r\nJust saying hello.\r\n")
    complaint_id = submit_and_process(desk, not_ours)
    html = _page(desk, f"/complaints/{complaint_id}")
    assert "Cases (0)" in html and "no event of this complaint opened or joined a case" in html


def test_an_unknown_customer_in_the_queue_filter_is_said_on_the_queue(desk: Desk) -> None:
    submit_and_process(desk, "01-spam-arf.eml")
    for headers in ({}, {"HX-Request": "true"}):  # the page, and the form's htmx request
        html = _page(desk, "/cases?customer=C-9999&order=due", **headers)
        problem = re.search(r'id="filter-problem">([^<]*)<', html)
        assert problem and "no customer &#39;C-9999&#39;" in problem.group(1)
        assert 'value="C-9999"' in html  # the filter is kept, to correct it
        assert "data-reference=" not in html
    assert "data-reference=" in _page(desk, f"/cases?customer={CUSTOMER_REF}")


def test_a_time_the_queue_cannot_read_is_said_on_the_queue(desk: Desk) -> None:
    html = _page(desk, "/cases?due_before=next+tuesday")
    assert "is not a date" in re.search(r'id="filter-problem">([^<]*)<', html).group(1)


def test_the_dashboard_leads_to_the_queue_by_clause_and_to_the_overdue_cases(
        desk: Desk, clock: FrozenClock) -> None:
    submit_and_process(desk, "01-spam-arf.eml")
    case = _only_case(desk)
    html = _page(desk, "/dashboard")
    assert f'href="/cases?clause={case["clause_id"]}"' in html
    assert 'id="overdue-link"' not in html  # nothing overdue, nothing to follow
    desk.client.post(f"/api/v1/cases/{case['reference']}/transitions",
                     json={"to": "notified", "reason": "told by phone"},
                     headers=desk.people["analyst"].bearer())
    clock.advance(timedelta(days=30))
    desk.keep_signed_in("analyst")  # the session idled out meanwhile
    html = _page(desk, "/dashboard")
    link = re.search(r'href="(/cases\?[^"]+)" id="overdue-link"', html)
    assert link, "the overdue figure links to the queue"
    queue = _page(desk, link.group(1).replace("&amp;", "&"))
    assert f'data-reference="{case["reference"]}"' in queue and "overdue by" in queue


def test_the_case_timeline_reads_in_words(desk: Desk) -> None:
    submit_and_process(desk, "01-spam-arf.eml")
    html = _page(desk, f"/cases/{_only_case(desk)['reference']}")
    timeline = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert 'data-code="case.open"' in timeline and "case opened" in timeline
    assert ">case.open" not in timeline


def test_a_customer_token_is_shown_with_its_customer(desk: Desk) -> None:
    response = desk.session_client("admin").get("/admin/access")
    assert response.status_code == 200
    row = next(line for line in response.text.splitlines() if f"{CUSTOMER_REF} automation" in line)
    assert f'href="/customers/{CUSTOMER_REF}"' in row and "Northwind Widgets Ltd" in row


def test_the_openapi_description_says_how_to_authenticate(desk: Desk) -> None:
    schema = desk.client.get("/api/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearerToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    listing = schema["paths"]["/api/v1/cases"]["get"]
    assert listing["security"] == [{"bearerToken": []}]
    assert listing["x-permission"] == "cases:read"
    every = [op for ops in schema["paths"].values() for op in ops.values()]
    assert all(op.get("security") == [{"bearerToken": []}] for op in every)
    assert "x-permission" not in schema["paths"]["/api/v1/me"]["get"]  # any valid token


def test_the_dashboard_leads_to_each_repeat_offenders_customer_page(desk: Desk) -> None:
    spam = (SAMPLES / "01-spam-arf.eml").read_bytes()
    submit_and_process(desk, spam)
    # The same customer's other address, in another complaint: its second case.
    submit_and_process(desk, spam.replace(b"192.0.2.25", b"192.0.2.26")
                       .replace(b"fbl-20260301-0814-7731", b"fbl-20260301-0815-7732"))
    html = _page(desk, "/dashboard")
    card = html.split("<h2>Repeat offenders</h2>", 1)[1].split("</div>", 1)[0]
    links = re.findall(r'<a href="(/customers/\d+)">([^<]+)</a>', card)
    assert links, card
    for path, name in links:
        assert name in _page(desk, path)


def test_the_customers_list_counts_open_cases_and_leads_to_them(desk: Desk) -> None:
    before = _page(desk, "/customers")
    row = re.search(rf'<tr>\s*<td class="mono"><a href="/customers/{CUSTOMER_REF}">.*?</tr>',
                    before, re.S)
    assert row and f"/cases?customer={CUSTOMER_REF}" not in row.group(0)
    submit_and_process(desk, "01-spam-arf.eml")
    after = _page(desk, "/customers")
    row = re.search(rf'<tr>\s*<td class="mono"><a href="/customers/{CUSTOMER_REF}">.*?</tr>',
                    after, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(0))
    open_cases, offences = cells[-2], cells[-1]
    assert f'href="/cases?customer={CUSTOMER_REF}">1</a>' in open_cases
    assert offences == "1"
