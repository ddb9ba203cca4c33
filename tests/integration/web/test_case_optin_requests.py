"""The staff case page lists the case's opt-in evidence requests: masked recipient,
requested, due and answered times, the overdue badge and the notice that told the customer."""

from __future__ import annotations

from datetime import timedelta

from abusedesk.domain.clock import FrozenClock
from abusedesk.interfaces.api.casework import case_desk
from tests.integration.bulk.test_bulk_email import COMPLAINANT, fbl_report
from tests.integration.web.conftest import Desk, submit_and_process


def _row(html: str, request_id: int) -> str:
    start = html.index(f'data-optin-request="{request_id}"')
    return html[start:html.index("</tr>", start)]


def test_the_case_page_lists_the_cases_optin_requests(desk: Desk, clock: FrozenClock) -> None:
    submit_and_process(desk, fbl_report())
    reference = case_desk(desk.services).queries.list()[0].case.reference
    optin = desk.container.optin
    late = optin.request(reference, COMPLAINANT, actor="cli:ann")
    answered = optin.request(reference, "friend@example.net", actor="cli:ann")
    optin.answer(answered.id, evidence="CRM record 5512", author="Ada Northwind", via="staff")
    clock.advance(timedelta(hours=25))
    assert optin.check_overdue().flagged == [late.id]
    desk.keep_signed_in("analyst")  # a day later: the session ran out

    page = desk.session_client("analyst").get(f"/cases/{reference}")
    assert page.status_code == 200
    start = page.text.index('id="optin-requests"')
    card = page.text[start:page.text.index("</table>", start)]
    assert COMPLAINANT.lower() not in card.lower()  # masked only (the raw complaint shows it)
    overdue = _row(page.text, late.id)
    assert "d***@mailbox-provider.example" in overdue and "data-overdue" in overdue
    assert f'data-notice="{late.notice_id}"' in overdue and "queued" in overdue
    assert "cli:ann" in overdue and "open" in overdue
    done = _row(page.text, answered.id)
    assert "f***@example.net" in done and "CRM record 5512" in done
    assert "data-overdue" not in done


def test_a_case_without_requests_shows_no_optin_card(desk: Desk) -> None:
    submit_and_process(desk, fbl_report())
    reference = case_desk(desk.services).queries.list()[0].case.reference
    page = desk.session_client("analyst").get(f"/cases/{reference}")
    assert page.status_code == 200 and 'id="optin-requests"' not in page.text
