"""Bulk e-mail in the customer portal: the no-send list and open opt-in requests per
customer (a partner: its own and its customers'), and opt-in evidence answered through the
case's own answer form (signed link, portal form, API)."""

from __future__ import annotations

from abusedesk.domain.bulk import OptInRequest
from abusedesk.domain.cases_model import ResponseKind
from abusedesk.interfaces.api.casework import case_desk
from tests.integration.bulk.test_bulk_email import (
    COMPLAINANT,
    _add_customer_with_ref,
    fbl_report,
)
from tests.integration.web.conftest import CUSTOMER_REF, Desk, csrf_of, submit_and_process


def _request(desk: Desk, source_ip: str = "192.0.2.25",
             message_id: str = "fbl-portal@mailbox-provider.example") -> tuple[str, OptInRequest]:
    submit_and_process(desk, fbl_report(source_ip, message_id=message_id))
    listings = case_desk(desk.services).queries.list()
    case = max((item.case for item in listings), key=lambda c: c.id)
    return case.reference, desk.container.optin.request(case.reference, COMPLAINANT,
                                                       actor="cli:test")


def test_the_response_link_page_answers_an_optin_request_with_files(desk: Desk) -> None:
    reference, request = _request(desk)
    token = case_desk(desk.services).responses.link(reference).token
    client = desk.session_client_anon()
    page = client.get(f"/respond/{token}")
    assert page.status_code == 200
    assert f'data-optin-request="{request.id}"' in page.text and "d***@mailbox-provider.example" \
        in page.text and 'value="optin-evidence"' in page.text
    answered = client.post(f"/respond/{token}", data={
        "csrf_token": csrf_of(page.text), "kind": "optin-evidence",
        "optin_request": str(request.id), "author": "Ada Northwind",
        "text": "Double opt-in confirmed 2025-11-02, log attached"},
        files={"evidence": ("optin.txt", b"2025-11-02 10:14 confirmed\n", "text/plain")})
    assert answered.status_code == 303, answered.text
    (done,) = desk.container.optin.requests(CUSTOMER_REF)
    assert done.answered_at is not None and done.evidence is not None
    assert done.evidence.startswith("Double opt-in confirmed") and "1 file(s)" in done.evidence
    detail = case_desk(desk.services).queries.detail(reference)
    (kept,) = detail.responses
    assert kept.kind is ResponseKind.OPTIN_EVIDENCE and kept.evidence[0][0] == "optin.txt"
    after = client.get(f"/respond/{token}")
    assert 'value="optin-evidence"' not in after.text  # nothing open any more


def test_the_case_responses_api_answers_an_optin_request(desk: Desk) -> None:
    reference, request = _request(desk)
    url = f"/api/v1/cases/{reference}/responses"
    body = {"kind": "optin-evidence", "author": "Ada", "text": "CRM record 5512",
            "optin_request": request.id}
    partner = desk.client.post(url, json=body, headers=desk.people["partner"].bearer())
    assert partner.status_code == 404  # not the partner's case
    missing = desk.client.post(url, json={**body, "optin_request": None},
                               headers=desk.people["customer"].bearer())
    assert missing.status_code == 422 or missing.status_code == 400
    answered = desk.client.post(url, json=body, headers=desk.people["customer"].bearer())
    assert answered.status_code == 201, answered.text
    assert answered.json()["kind"] == "optin-evidence"
    assert desk.container.optin.requests(CUSTOMER_REF, open_only=True) == []


def test_the_portal_case_form_offers_the_open_requests(desk: Desk) -> None:
    reference, request = _request(desk)
    client = desk.session_client("customer")
    page = client.get(f"/portal/cases/{reference}")
    assert f'<option value="{request.id}">' in page.text
    answered = client.post(f"/portal/cases/{reference}/respond", data={
        "csrf_token": csrf_of(page.text), "kind": "optin-evidence",
        "optin_request": str(request.id), "author": "Ada", "text": "CRM record 5512"})
    assert answered.status_code == 303, answered.text
    assert desk.container.optin.requests(CUSTOMER_REF, open_only=True) == []


def test_the_bulk_page_shows_each_principal_its_own_lists(desk: Desk) -> None:
    _reference, own = _request(desk)
    _florist_case, theirs = _request(desk, "203.0.113.70", "fbl-florist@mailbox-provider.example")
    desk.container.bulk.add("P-2001-01", ["orders@shop.example.net"], actor="cli:test")
    florist = desk.container.customers.get("P-2001-01")
    northwind = desk.container.customers.get(CUSTOMER_REF)

    customer = desk.session_client("customer")
    home = customer.get("/portal")
    assert 'href="/portal/bulk"' in home.text
    page = customer.get("/portal/bulk")
    assert page.status_code == 200
    assert "d***@mailbox-provider.example" in page.text and "feedback-loop" in page.text
    assert f'data-optin-request="{own.id}"' in page.text
    assert f'data-optin-request="{theirs.id}"' not in page.text
    assert "o***@shop.example.net" not in page.text
    assert customer.get(f"/portal/bulk?customer={florist.id}").status_code == 404
    assert customer.get("/portal/bulk?customer=P-2001-01").status_code == 404

    partner = desk.session_client("partner")
    overview = partner.get("/portal/bulk")
    assert f'data-optin-request="{theirs.id}"' in overview.text
    assert f'data-optin-request="{own.id}"' not in overview.text
    listed = partner.get(f"/portal/bulk?customer={florist.id}")
    assert listed.status_code == 200 and "o***@shop.example.net" in listed.text
    assert partner.get(f"/portal/bulk?customer={northwind.id}").status_code == 404


def test_the_bulk_page_never_shows_the_list_of_a_customer_whose_ref_is_its_id(
        desk: Desk) -> None:
    own_id = desk.container.customers.get(CUSTOMER_REF).id
    _add_customer_with_ref(desk.container, str(own_id))
    desk.container.bulk.add(str(own_id), ["hidden@example.org"], actor="cli:test")
    desk.container.bulk.add(CUSTOMER_REF, ["mine@example.org"], actor="cli:test")
    page = desk.session_client("customer").get("/portal/bulk")
    assert page.status_code == 200
    assert "m***@example.org" in page.text and "h***@example.org" not in page.text
