"""The staff UI and portal defend themselves: cookies, CSRF, headers, rate-limited sign-in,
hostile complaint content shown as text, restricted material withheld."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.clock import FrozenClock
from abusedesk.interfaces.api.app import create_app
from abusedesk.interfaces.api.auth import SESSION_COOKIE
from abusedesk.interfaces.api.casework import case_desk
from abusedesk.interfaces.api.wiring import access_service
from abusedesk.services.access_rules import Role
from tests.integration.web.conftest import (
    PASSWORD,
    SAMPLES,
    Desk,
    csrf_of,
    submit_and_process,
)

HOSTILE = (
    b"From: Mallory <mallory@attacker.example>\r\n"
    b"To: abuse@hosting.example\r\n"
    b"Subject: <script>alert('subject')</script> spam from 192.0.2.25\r\n"
    b"Date: Sun, 01 Mar 2026 08:00:00 +0000\r\n"
    b"Message-ID: <hostile-1@attacker.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<p>Spam from 192.0.2.25</p><script>document.title='pwned'</script>"
    b"<img src=x onerror=\"document.body.dataset.pwned='yes'\">\r\n"
    b"--b1\r\n"
    b'Content-Type: text/html; name="invoice.html"\r\n'
    b'Content-Disposition: attachment; filename="invoice.html"\r\n\r\n'
    b"<script>alert('attachment')</script>\r\n"
    b"--b1--\r\n"
)


def _incident(incident_id: str, kind: str) -> str:
    return (f'<Incident purpose="reporting"><IncidentID name="hotline.example">{incident_id}'
            "</IncidentID><ReportTime>2026-03-01T10:00:00+00:00</ReportTime>"
            f"{kind}<EventData><Flow><System category=\"source\"><Node>"
            '<Address category="ipv4-addr">192.0.2.99</Address></Node></System></Flow>'
            "</EventData></Incident>")


def mixed_report() -> bytes:
    """A fictional hotline report (IODEF) of two incidents at one address: a denial of service
    and, under the restricted clause, abuse material (described, none included)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<IODEF-Document version="1.00" '
        'xmlns="urn:ietf:params:xml:ns:iodef-1.0">'
        + _incident("mixed-1", "<Description>Denial of service traffic</Description>"
                               '<Assessment><Impact type="dos"/></Assessment>')
        + _incident("mixed-2", "<Description>child sexual abuse material hosted at this "
                               'address</Description><Assessment><Impact type="unknown"/>'
                               "</Assessment>")
        + "</IODEF-Document>")
    return ("From: reports@hotline.example\r\nTo: abuse@hosting.example\r\n"
            "Subject: two incidents at 192.0.2.99\r\nDate: Sun, 01 Mar 2026 10:00:00 +0000\r\n"
            "Message-ID: <mixed-1@hotline.example>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain\r\n\r\nSee the attached IODEF.\r\n--b\r\n"
            'Content-Type: application/xml; name="report.xml"\r\n'
            'Content-Disposition: attachment; filename="report.xml"\r\n\r\n'
            f"{document}\r\n--b--\r\n").encode()


def hostile_arf() -> bytes:
    """The sample spam report with script and event-handler payloads in its subject and text."""
    raw = (SAMPLES / "01-spam-arf.eml").read_bytes()
    raw = raw.replace(b"Subject: Complaint about message from 192.0.2.25",
                      b"Subject: <script>alert('arf')</script> report for 192.0.2.25", 1)
    return raw.replace(b"it as spam.", b"it as spam. <img src=x onerror=\"alert('arf')\">", 1)


def test_the_session_cookie_is_httponly_and_samesite(desk: Desk) -> None:
    client = desk.session_client_anon()
    page = client.get("/login")
    pre = page.cookies.get("abusedesk_presession")
    assert pre and "HttpOnly" in page.headers["set-cookie"]
    response = client.post("/login", data={"username": "analyst", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)})
    cookie = [v for v in response.headers.get_list("set-cookie") if v.startswith(SESSION_COOKIE)]
    assert cookie, response.headers
    assert "HttpOnly" in cookie[0] and "SameSite=lax" in cookie[0] and "Path=/" in cookie[0]
    assert "Secure" not in cookie[0]  # this desk is served over plain http


def test_on_https_the_cookie_is_secure_and_host_only(tmp_path: Path, clock: FrozenClock) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=tmp_path,
                        public_url="https://abuse.example.net")
    container: Container = build_container(settings, clock=clock)
    prepare_database(container)
    access_service(container).add_user("ana", PASSWORD, Role.ANALYST)
    client = TestClient(create_app(container), follow_redirects=False,
                        base_url="https://abuse.example.net")
    page = client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)})
    cookie = [v for v in response.headers.get_list("set-cookie") if "abusedesk_session=" in v][0]
    assert cookie.startswith("__Host-abusedesk_session=") and "Secure" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")
    container.close()


def test_forms_without_a_valid_csrf_token_are_refused(desk: Desk) -> None:
    submit_and_process(desk, "01-spam-arf.eml")
    reference = case_desk(desk.services).queries.list()[0].case.reference
    client = desk.session_client("analyst")
    form = {"to": "dismissed", "reason": "not ours"}
    missing = client.post(f"/cases/{reference}/transition", data=form)
    assert missing.status_code == 403 and "security token" in missing.text
    foreign = desk.session_client("supervisor").get(f"/cases/{reference}")
    stolen = client.post(f"/cases/{reference}/transition",
                         data=form | {"csrf_token": csrf_of(foreign.text)})
    assert stolen.status_code == 403  # a token is bound to its session
    own = client.get(f"/cases/{reference}")
    cross_site = client.post(f"/cases/{reference}/transition",
                             data=form | {"csrf_token": csrf_of(own.text)},
                             headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403 and "cross-site" in cross_site.text
    done = client.post(f"/cases/{reference}/transition",
                       data=form | {"csrf_token": csrf_of(own.text)})
    assert done.status_code == 303
    assert case_desk(desk.services).queries.detail(reference).case.state.value == "dismissed"


def test_every_page_carries_strict_headers_and_no_inline_script_or_style(desk: Desk) -> None:
    complaint_id = submit_and_process(desk, HOSTILE)
    client = desk.session_client("admin")
    pages = ["/cases", "/complaints", f"/complaints/{complaint_id}", "/customers",
             "/customers/P-2001", "/policy", "/dashboard", "/admin/access"]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"
        for tag in re.findall(r"<script\b[^>]*>", page.text):
            assert 'src="/static/' in tag, f"{path}: inline script {tag}"
        assert not re.search(r"<[a-z]+[^>]*\sstyle=", page.text), f"{path}: inline style"
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", page.text), f"{path}: event handler"


def test_an_unknown_page_keeps_the_layout_of_whoever_is_signed_in(desk: Desk) -> None:
    hostile = "/no-such-page/%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    page = desk.session_client("analyst").get(hostile)
    assert page.status_code == 404
    assert '<nav aria-label="main">' in page.text and "analyst (analyst)" in page.text
    assert 'action="/logout"' in page.text  # signing out works from here too
    signed_out = desk.session_client("analyst").post(
        "/logout", data={"csrf_token": csrf_of(page.text)})
    assert signed_out.status_code == 303
    desk.refresh_session("analyst")
    # Inert: nothing of the path comes back, and the strict headers are all there.
    assert "<script>alert" not in page.text and "no-such-page" not in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    anonymous = desk.session_client_anon().get("/no-such-page")
    assert anonymous.status_code == 404 and '<nav aria-label="main">' not in anonymous.text
    customer = desk.session_client("customer").get("/no-such-page")
    assert customer.status_code == 404 and '<nav aria-label="main">' not in customer.text
    api = desk.session_client("analyst").get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_hostile_complaint_content_is_shown_as_text(desk: Desk) -> None:
    complaint_id = submit_and_process(desk, HOSTILE)
    client = desk.session_client("analyst")
    page = client.get(f"/complaints/{complaint_id}").text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page
    assert "onerror=&#34;document.body.dataset.pwned=&#39;yes&#39;&#34;" in page
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in page
    listing = client.get("/complaints").text
    assert "<script>alert('subject')" not in listing
    attachments = re.findall(r'href="(/complaints/\d+/attachments/\d+)"', page)
    assert attachments, "the HTML attachment is offered for download"
    download = client.get(attachments[-1])
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="invoice.html"'
    assert download.content.strip() == b"<script>alert('attachment')</script>"
    submit_and_process(desk, hostile_arf())
    case = case_desk(desk.services).queries.list()[0].case
    case_page = client.get(f"/cases/{case.reference}").text
    assert "&lt;script&gt;alert(&#39;arf&#39;)&lt;/script&gt;" in case_page
    assert "onerror=&#34;alert(&#39;arf&#39;)&#34;" in case_page
    assert "<script>alert" not in case_page and "<img src=x" not in case_page


def test_sign_in_is_rate_limited(desk: Desk) -> None:
    client = desk.session_client_anon()
    for _ in range(5):
        page = client.get("/login")
        wrong = client.post("/login", data={"username": "analyst", "password": "wrong guess",
                                            "csrf_token": csrf_of(page.text)})
        assert wrong.status_code == 401 and "wrong password" in wrong.text
    page = client.get("/login")
    locked = client.post("/login", data={"username": "analyst", "password": PASSWORD,
                                         "csrf_token": csrf_of(page.text)})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in locked.text


def test_signing_in_replaces_the_session_and_signing_out_ends_it(desk: Desk) -> None:
    client = desk.session_client("analyst")
    before = desk.people["analyst"].cookie
    token = csrf_of(client.get("/cases").text)
    switched = client.post("/login", data={"username": "supervisor", "password": PASSWORD,
                                           "csrf_token": token})
    assert switched.status_code == 303
    after = switched.cookies.get(SESSION_COOKIE)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, after)
    assert after and after != before
    assert desk.access.session_principal(before) is None  # the old session is gone
    page = client.get("/cases")
    assert page.status_code == 200 and "supervisor (supervisor)" in page.text
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert desk.access.session_principal(after) is None
    assert client.get("/cases").status_code == 303


def test_restricted_material_is_withheld_from_analysts(desk: Desk) -> None:
    report = json.loads((Path(__file__).parent / "restricted-sample.json").read_text())
    complaint_id = submit_and_process(desk, json.dumps(report).encode(), xarf=True)
    case = case_desk(desk.services).queries.list()[0].case
    assert case.restricted and case.clause_id == "conduct.2a"
    analyst = desk.session_client("analyst")
    assert "withheld" in analyst.get(f"/cases/{case.reference}").text
    assert "Show the restricted content" not in analyst.get(f"/cases/{case.reference}").text
    assert analyst.get(f"/complaints/{complaint_id}/raw").status_code == 403
    assert "restricted clause" in analyst.get(f"/complaints/{complaint_id}").text
    api = desk.client.get(f"/api/v1/complaints/{complaint_id}/raw",
                          headers=desk.people["analyst"].bearer())
    assert api.status_code == 403
    supervisor = desk.session_client("supervisor")
    revealed = supervisor.get(f"/cases/{case.reference}?reveal=true").text
    assert f"/complaints/{complaint_id}" in revealed
    history = case_desk(desk.services).queries.detail(case.reference).history
    assert any(entry.action == "case.reveal" and entry.actor == "user:supervisor"
               for entry in history)


def test_a_complaint_also_under_a_restricted_clause_is_withheld_on_its_other_case(
        desk: Desk) -> None:
    complaint_id = submit_and_process(desk, mixed_report())
    cases = {listing.case.clause_id: listing.case
             for listing in case_desk(desk.services).queries.list()}
    assert cases["conduct.2a"].restricted and not cases["conduct.3c"].restricted
    reference = cases["conduct.3c"].reference
    analyst = desk.session_client("analyst").get(f"/cases/{reference}").text
    assert f'href="/complaints/{complaint_id}"' in analyst  # named, by link only
    assert "abuse material hosted" not in analyst and "raw-message" not in analyst
    assert "two incidents at 192.0.2.99" not in analyst
    supervisor = desk.session_client("supervisor").get(f"/cases/{reference}").text
    assert "abuse material hosted" in supervisor and "two incidents at 192.0.2.99" in supervisor


def test_an_unexpected_failure_still_answers_with_the_strict_headers(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("the storage driver fell over")

    monkeypatch.setattr(desk.services.access, "users", broken)
    # As a browser meets it: the error is answered, not raised into the test.
    client = TestClient(desk.client.app, raise_server_exceptions=False)
    client.cookies.set(SESSION_COOKIE, desk.people["admin"].cookie or "")
    page = client.get("/admin/access")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "fell over" not in page.text
    api = client.get("/api/v1/users", headers=desk.people["admin"].bearer())
    assert api.status_code == 500 and api.json()["type"] == "/api/problems/internal"
    assert "frame-ancestors 'none'" in api.headers["content-security-policy"]
    assert "fell over" not in api.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sign_in_never_sends_you_to_another_site(desk: Desk, target: str) -> None:
    client = desk.session_client_anon()
    page = client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                           "next": target, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/cases"
