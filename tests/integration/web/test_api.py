"""The REST API on a real database: complaints in and their exact bytes out, cases with their
filters and scope, the customer's answer, problem details, the OpenAPI description."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from abusedesk.bootstrap import build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.cases import CaseState
from abusedesk.domain.clock import FrozenClock
from abusedesk.interfaces.api.app import MissingAccessRule, check_access_rules, create_app
from abusedesk.interfaces.api.casework import case_desk
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.services.access_rules import Role
from tests.integration.web.conftest import SAMPLES, Desk, submit_and_process


def test_a_posted_mail_is_kept_byte_exact_and_served_with_its_digest(desk: Desk) -> None:
    raw = (SAMPLES / "01-spam-arf.eml").read_bytes()
    admin = desk.people["admin"].bearer()
    posted = desk.client.post("/api/v1/complaints", content=raw,
                              headers=admin | {"Content-Type": "message/rfc822"})
    assert posted.status_code == 202
    receipt = posted.json()
    assert receipt["sha256"] == hashlib.sha256(raw).hexdigest() and receipt["new"]
    assert posted.headers["location"] == f"/api/v1/complaints/{receipt['id']}"
    copy = desk.client.get(f"/api/v1/complaints/{receipt['id']}/raw", headers=admin)
    assert copy.status_code == 200 and copy.content == raw
    expected = base64.b64encode(hashlib.sha256(raw).digest()).decode()
    assert copy.headers["repr-digest"] == f"sha-256=:{expected}:"
    assert copy.headers["content-type"].startswith("message/rfc822")
    assert copy.headers["content-disposition"].startswith("attachment")
    again = desk.client.post("/api/v1/complaints", content=raw,
                             headers=admin | {"Content-Type": "message/rfc822"})
    assert again.json()["duplicate_of"] == receipt["id"]


def test_a_posted_xarf_report_is_accepted_and_other_types_refused(desk: Desk) -> None:
    admin = desk.people["analyst"].bearer()
    document = (SAMPLES / "04-port-scan.json").read_bytes()
    posted = desk.client.post("/api/v1/complaints", content=document,
                              headers=admin | {"Content-Type": "application/json"})
    assert posted.status_code == 202
    shown = desk.client.get(f"/api/v1/complaints/{posted.json()['id']}", headers=admin).json()
    assert shown["content_type"] == "application/json" and shown["channel"] == "api"
    refused = desk.client.post("/api/v1/complaints", content=b"hello",
                               headers=admin | {"Content-Type": "text/plain"})
    assert refused.status_code == 415
    assert refused.headers["content-type"] == "application/problem+json"
    empty = desk.client.post("/api/v1/complaints", content=b"",
                             headers=admin | {"Content-Type": "message/rfc822"})
    assert empty.status_code == 422 and empty.json()["type"] == "/api/problems/invalid-input"


def test_errors_are_problem_details(desk: Desk) -> None:
    missing = desk.client.get("/api/v1/cases/AD-1999-000001", headers=desk.people["admin"].bearer())
    body = missing.json()
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert body["type"] == "/api/problems/not-found" and body["status"] == 404
    assert body["title"] == "Not found" and "AD-1999-000001" in body["detail"]
    assert body["instance"] == "/api/v1/cases/AD-1999-000001"
    # Messages are channel-neutral: no command line advice in an API answer or a web page.
    assert "abusedesk" not in body["detail"] and "`" not in body["detail"]
    customer = desk.client.get("/api/v1/customers/C-0000", headers=desk.people["admin"].bearer())
    assert customer.status_code == 404 and "abusedesk" not in customer.json()["detail"]
    page = desk.session_client("admin").get("/cases/AD-1999-000001")
    assert page.status_code == 404 and "AD-1999-000001" in page.text
    assert "abusedesk cases list" not in page.text
    submit_and_process(desk, "04-port-scan.json")
    listed = desk.client.get("/api/v1/cases", headers=desk.people["admin"].bearer()).json()
    reference = listed[0]["reference"]
    moved = desk.client.post(f"/api/v1/cases/{reference}/transitions",
                             headers=desk.people["admin"].bearer(),
                             json={"to": "suspended", "reason": "test"})
    assert moved.status_code == 409 and "suspend enforcement action" in moved.json()["detail"]
    assert "abusedesk" not in moved.json()["detail"]
    described = desk.client.get(body["type"]).json()
    assert described["status"] == 404 and described["type"] == body["type"]
    anonymous = desk.client.get("/api/v1/cases")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    invalid = desk.client.get("/api/v1/cases?limit=0", headers=desk.people["admin"].bearer())
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["location"] == "query.limit"


def test_cases_filter_by_state_clause_customer_and_deadline(desk: Desk) -> None:
    for sample in ("01-spam-arf.eml", "02-phishing-notice.eml", "03-blocklist-listing.json",
                   "04-port-scan.json"):
        submit_and_process(desk, sample)
    analyst = desk.people["analyst"].bearer()

    def refs(query: str) -> set[str]:
        answer = desk.client.get(f"/api/v1/cases{query}", headers=analyst)
        assert answer.status_code == 200, answer.text
        return {(c["clause_id"], c["offender"]) for c in answer.json()}

    assert refs("") == {("conduct.5a", "192.0.2.25"),
                        ("conduct.2c", "meadow.example.net"),
                        ("conduct.3e", "203.0.113.140"), ("conduct.3c", "198.51.100.10")}
    assert refs("?clause=conduct.3e") == {("conduct.3e", "203.0.113.140")}
    assert refs("?customer=C-1001") == {("conduct.5a", "192.0.2.25")}
    assert refs("?state=resolved") == set()
    listing = {c["clause_id"]: c for c in desk.client.get("/api/v1/cases", headers=analyst).json()}
    blocklist = listing["conduct.3e"]["reference"]
    moved = desk.client.post(f"/api/v1/cases/{blocklist}/transitions",
                             json={"to": "notified", "reason": "told by phone"}, headers=analyst)
    assert moved.status_code == 200 and moved.json()["deadline"]["running"]
    due = moved.json()["deadline"]["due_at"]
    assert refs(f"?due_before={due.replace('+00:00', 'Z')}") == {("conduct.3e", "203.0.113.140")}
    assert refs("?due_before=2020-01-01T00:00:00Z") == set()
    assert refs("?state=notified") == {("conduct.3e", "203.0.113.140")}


def test_customers_and_partners_see_their_own_cases_only(desk: Desk) -> None:
    for sample in ("01-spam-arf.eml", "02-phishing-notice.eml", "03-blocklist-listing.json"):
        submit_and_process(desk, sample)
    customer = desk.people["customer"].bearer()
    partner = desk.people["partner"].bearer()
    own = desk.client.get("/api/v1/cases", headers=customer).json()
    assert [c["offender"] for c in own] == ["192.0.2.25"]  # Northwind's spam source
    theirs = desk.client.get("/api/v1/cases", headers=partner).json()
    assert {c["offender"] for c in theirs} == {"meadow.example.net", "203.0.113.140"}
    other = theirs[0]["reference"]
    assert desk.client.get(f"/api/v1/cases/{other}", headers=customer).status_code == 404
    assert desk.client.get(f"/api/v1/cases/{other}", headers=partner).status_code == 200
    # nor can a customer list another customer's cases by naming it
    assert desk.client.get("/api/v1/cases?customer=P-2001-01", headers=customer).status_code == 404
    assert desk.client.get("/api/v1/customers/P-2001-01", headers=customer).status_code == 404
    names = {c["ref"] for c in desk.client.get("/api/v1/customers", headers=partner).json()}
    assert names == {"P-2001", "P-2001-01", "P-2001-02"}
    detail = desk.client.get(f"/api/v1/cases/{own[0]['reference']}", headers=customer).json()
    assert detail["timeline"] and all(entry["actor"] is None for entry in detail["timeline"]
                                      if entry["what"] == "case opened")
    assert detail["repeat_offences"] is None  # staff-only figures are not shown


def test_the_customer_answers_through_the_api_with_evidence(desk: Desk) -> None:
    submit_and_process(desk, "01-spam-arf.eml")
    case = case_desk(desk.services).queries.list()[0].case
    case_desk(desk.services).cases.transition(case.reference, CaseState.NOTIFIED,
                                              actor="test", reason="notice sent by hand")
    customer = desk.people["customer"].bearer()
    answered = desk.client.post(
        f"/api/v1/cases/{case.reference}/responses", headers=customer,
        data={"kind": "remedy", "author": "Ada Northwind",
              "text": "The compromised mailer on 192.0.2.25 is wiped and rebuilt."},
        files=[("evidence", ("rebuild.log", b"reimaged at 10:02", "text/plain"))])
    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert body["kind"] == "remedy" and body["via"] == "api"
    assert body["evidence"][0]["sha256"] == hashlib.sha256(b"reimaged at 10:02").hexdigest()
    state = desk.client.get(f"/api/v1/cases/{case.reference}", headers=customer).json()["state"]
    assert state == "resolved"
    # the partner of another branch cannot answer it
    refused = desk.client.post(f"/api/v1/cases/{case.reference}/responses",
                               headers=desk.people["partner"].bearer(),
                               json={"kind": "acknowledge", "author": "Rita"})
    assert refused.status_code == 404


def test_termination_waits_for_a_second_person(desk: Desk) -> None:
    submit_and_process(desk, "04-port-scan.json")
    case = case_desk(desk.services).queries.list()[0].case
    supervisor = desk.people["supervisor"].bearer()
    requested = desk.client.post(f"/api/v1/cases/{case.reference}/actions", headers=supervisor,
                                 json={"action": "terminate", "reason": "third strike",
                                       "dry_run": True})
    assert requested.status_code == 201 and requested.json()["status"] == "awaiting-approval"
    action_id = requested.json()["id"]
    self_approval = desk.client.post(f"/api/v1/actions/{action_id}/approve", headers=supervisor)
    assert self_approval.status_code == 409  # the requester cannot approve their own request
    analyst = desk.client.post(f"/api/v1/actions/{action_id}/approve",
                               headers=desk.people["analyst"].bearer())
    assert analyst.status_code == 403
    approved = desk.client.post(f"/api/v1/actions/{action_id}/approve",
                                headers=desk.people["admin"].bearer())
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"] == "token:3:admin token"


def test_the_openapi_description_lists_the_api_and_no_web_page(desk: Desk) -> None:
    schema = desk.client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/v1/complaints", "/api/v1/complaints/{complaint_id}/raw", "/api/v1/cases",
            "/api/v1/customers", "/api/v1/policies", "/api/v1/actions"} <= paths
    assert not any(not path.startswith("/api/") for path in paths)
    case_filters = {p["name"] for p in schema["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert {"state", "clause", "customer", "due_before"} <= case_filters
    json.dumps(schema)  # serialisable as a whole


def test_an_app_with_a_route_lacking_a_rule_is_refused() -> None:
    app = FastAPI(openapi_url=None)
    router = APIRouter()

    @router.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(MissingAccessRule, match="forgotten"):
        check_access_rules(app)


def test_oversized_bodies_are_refused_before_they_are_read(tmp_path: Path,
                                                           clock: FrozenClock) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=tmp_path,
                        max_message_bytes=64 * 1024, evidence_max_bytes=64 * 1024)
    container = build_container(settings, clock=clock)
    prepare_database(container)
    token = access_service(container).create_token("t", created_by="t", role=Role.ADMIN).secret
    client = TestClient(create_app(container))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}
    just_over = b"Subject: x\r\n\r\n" + b"a" * (64 * 1024)
    refused = client.post("/api/v1/complaints", content=just_over, headers=headers)
    assert refused.status_code == 413 and "larger than" in refused.json()["detail"]
    huge = client.post("/api/v1/complaints", content=b"x" * (4 * 1024 * 1024), headers=headers)
    assert huge.status_code == 413  # past the outer bound, refused on its declared length
    assert huge.json()["type"] == "/api/problems/input-too-large"
    assert "default-src 'none'" in huge.headers["content-security-policy"]
    accepted = client.post("/api/v1/complaints", content=just_over[:60_000], headers=headers)
    assert accepted.status_code == 202
    container.close()
