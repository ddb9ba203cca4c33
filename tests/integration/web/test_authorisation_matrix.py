"""Every role against every endpoint: the app's own routes, enumerated, against this table.

``EXPECTED`` says, independently of the code, who may call each route. The test walks the
routes the app really serves (``route_table``): a route missing from the table fails (add
its rule here when you add the route), and so does a table entry that no route serves.
Each route is then called as each principal with the credentials of its channel (bearer
token for the API, session cookie and a valid CSRF token for the web), and the answer must
be a refusal (401, 403, or a redirect to sign in and come back) exactly for those not
listed.

Path parameters name a real case, a real response link and real customers where a route
needs them, and ids that do not exist where the call would change something (so an allowed
call answers 404 or 422, never a refusal, and the test changes nothing that matters).
"""

from __future__ import annotations

import re

import pytest

from abusedesk.interfaces.api import auth
from abusedesk.interfaces.api.app import route_table
from abusedesk.interfaces.api.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from abusedesk.interfaces.api.casework import case_desk
from tests.integration.web.conftest import Desk, submit_and_process

ANONYMOUS = "anonymous"
STAFF = frozenset({"analyst", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ADMINS = frozenset({"admin"})
CUSTOMERS = frozenset({"customer", "partner"})
TOKEN_HOLDERS = STAFF | CUSTOMERS
EVERYONE = TOKEN_HOLDERS | {ANONYMOUS}
PRINCIPALS = sorted(EVERYONE)

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # framework, static, public pages
    ("GET", "/api/openapi.json"): EVERYONE,
    ("GET", "/static"): EVERYONE,
    ("GET", "/api/problems/{slug}"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/portal/login"): EVERYONE,
    ("POST", "/portal/login"): EVERYONE,
    ("GET", "/respond/{token}"): EVERYONE,  # the signed link is the credential
    ("POST", "/respond/{token}"): EVERYONE,
    # API: who am I, access management
    ("GET", "/api/v1/me"): TOKEN_HOLDERS,
    ("GET", "/api/v1/users"): ADMINS,
    ("POST", "/api/v1/users"): ADMINS,
    ("GET", "/api/v1/tokens"): ADMINS,
    ("POST", "/api/v1/tokens"): ADMINS,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMINS,
    # API: cases (customers see their own; only they answer)
    ("GET", "/api/v1/cases"): TOKEN_HOLDERS,
    ("GET", "/api/v1/cases/{reference}"): TOKEN_HOLDERS,
    ("GET", "/api/v1/cases/{reference}/events"): TOKEN_HOLDERS,
    ("GET", "/api/v1/cases/{reference}/timeline"): TOKEN_HOLDERS,
    ("POST", "/api/v1/cases/{reference}/transitions"): STAFF,
    ("POST", "/api/v1/cases/{reference}/pause"): STAFF,
    ("POST", "/api/v1/cases/{reference}/resume"): STAFF,
    ("POST", "/api/v1/cases/{reference}/notices"): STAFF,
    ("POST", "/api/v1/cases/{reference}/referrals"): STAFF,
    ("POST", "/api/v1/cases/{reference}/responses"): CUSTOMERS,
    # API: enforcement (two-person rule: approval by supervisors and admins)
    ("GET", "/api/v1/actions"): TOKEN_HOLDERS,
    ("POST", "/api/v1/cases/{reference}/actions"): STAFF,
    ("POST", "/api/v1/actions/{action_id}/approve"): SUPERVISORS,
    ("POST", "/api/v1/actions/{action_id}/execute"): STAFF,
    ("POST", "/api/v1/actions/{action_id}/cancel"): STAFF,
    ("POST", "/api/v1/actions/{action_id}/lift"): STAFF,
    ("POST", "/api/v1/cases/{reference}/charges"): STAFF,
    # API: complaints (staff only; replay by supervisors)
    ("POST", "/api/v1/complaints"): STAFF,
    ("GET", "/api/v1/complaints"): STAFF,
    ("GET", "/api/v1/complaints/{complaint_id}"): STAFF,
    ("GET", "/api/v1/complaints/{complaint_id}/events"): STAFF,
    ("GET", "/api/v1/complaints/{complaint_id}/raw"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/replay"): SUPERVISORS,
    # API: customers (customers see themselves; import by supervisors)
    ("GET", "/api/v1/customers"): TOKEN_HOLDERS,
    ("GET", "/api/v1/customers/resolve"): STAFF,
    ("GET", "/api/v1/customers/{ref_or_id}"): TOKEN_HOLDERS,
    ("GET", "/api/v1/customers/{ref_or_id}/assets"): TOKEN_HOLDERS,
    ("POST", "/api/v1/customers/import"): SUPERVISORS,
    # API: bulk email (customers see their own lists and requests; only they answer)
    ("GET", "/api/v1/customers/{ref_or_id}/no-send"): TOKEN_HOLDERS,
    ("POST", "/api/v1/customers/{ref_or_id}/no-send/check"): TOKEN_HOLDERS,
    ("GET", "/api/v1/customers/{ref_or_id}/optin-requests"): TOKEN_HOLDERS,
    ("POST", "/api/v1/optin-requests/{request_id}/evidence"): CUSTOMERS,
    # API: policy (everyone reads the policy that binds them; admins change it)
    ("GET", "/api/v1/policies"): TOKEN_HOLDERS,
    ("GET", "/api/v1/policies/in-force"): TOKEN_HOLDERS,
    ("GET", "/api/v1/policies/{version}"): TOKEN_HOLDERS,
    ("GET", "/api/v1/policies/{version}/source"): TOKEN_HOLDERS,
    ("GET", "/api/v1/policies/{version}/clauses/{clause_id}"): TOKEN_HOLDERS,
    ("GET", "/api/v1/policies/{old}/diff/{new}"): TOKEN_HOLDERS,
    ("POST", "/api/v1/policies"): ADMINS,
    ("POST", "/api/v1/policies/{version}/publish"): ADMINS,
    ("GET", "/api/v1/reports/dashboard"): STAFF,
    # staff UI
    ("GET", "/cases"): STAFF,
    ("GET", "/cases/{reference}"): STAFF,
    ("POST", "/cases/{reference}/transition"): STAFF,
    ("POST", "/cases/{reference}/clock"): STAFF,
    ("POST", "/cases/{reference}/notify"): STAFF,
    ("POST", "/cases/{reference}/link"): STAFF,
    ("POST", "/cases/{reference}/referral"): STAFF,
    ("POST", "/cases/{reference}/actions"): STAFF,
    ("POST", "/actions/{action_id}/approve"): SUPERVISORS,
    ("POST", "/actions/{action_id}/execute"): STAFF,
    ("POST", "/actions/{action_id}/cancel"): STAFF,
    ("POST", "/actions/{action_id}/lift"): STAFF,
    ("GET", "/complaints"): STAFF,
    ("POST", "/complaints"): STAFF,
    ("GET", "/complaints/{complaint_id}"): STAFF,
    ("GET", "/complaints/{complaint_id}/raw"): STAFF,
    ("GET", "/complaints/{complaint_id}/attachments/{index}"): STAFF,
    ("POST", "/complaints/{complaint_id}/replay"): SUPERVISORS,
    ("GET", "/customers"): STAFF,
    ("GET", "/customers/{ref_or_id}"): STAFF,
    ("GET", "/dashboard"): STAFF,
    ("GET", "/policy"): STAFF,
    ("GET", "/policy/diff"): STAFF,
    ("GET", "/policy/{version}"): STAFF,
    ("POST", "/policy/load"): ADMINS,
    ("POST", "/policy/{version}/publish"): ADMINS,
    ("GET", "/admin/access"): ADMINS,
    ("POST", "/admin/users"): ADMINS,
    ("POST", "/admin/users/{username}/disable"): ADMINS,
    ("POST", "/admin/tokens"): ADMINS,
    ("POST", "/admin/tokens/{token_id}/revoke"): ADMINS,
    # customer portal
    ("GET", "/portal"): CUSTOMERS,
    ("GET", "/portal/cases/{reference}"): CUSTOMERS,
    ("GET", "/portal/bulk"): CUSTOMERS,
    ("POST", "/portal/cases/{reference}/respond"): CUSTOMERS,
}

#: Query strings some GET routes need to answer at all.
QUERIES = {
    "/policy/diff": "?old=reference-aup:2.1&new=reference-aup:2.1",
    "/api/v1/customers/resolve": "?resource=192.0.2.25",
}
MISSING = "999999"


def _served(desk: Desk) -> dict[tuple[str, str], str]:
    served = {}
    for info in route_table(desk.client.app):
        for method in info.methods - {"HEAD"}:
            served[(method, info.path)] = info.kind
    return served


def test_every_route_has_an_expectation_and_every_expectation_a_route(desk: Desk) -> None:
    served = _served(desk)
    unlisted = sorted(set(served) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(served))
    assert not unlisted, f"routes without an expected rule (add them to EXPECTED): {unlisted}"
    assert not stale, f"EXPECTED names routes the app does not serve: {stale}"


def _fill(path: str, method: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if method != "GET" and name in ("version", "reference", "ref_or_id"):
            # unsafe calls aim at records that do not exist: allowed ones answer 404
            return {"version": "none:0", "reference": "AD-1999-999999",
                    "ref_or_id": "NO-SUCH"}[name]
        return values.get(name, MISSING)

    return re.sub(r"\{([a-z_]+)\}", one, path)


def _refused(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    # the sign-in redirect of a refused page carries where to return ("next"); the front
    # door and sign-out send people to the sign-in page without one
    return response.status_code in (302, 303) and location.startswith(
        ("/login?next=", "/portal/login?next="))


@pytest.fixture
def values(desk: Desk) -> dict[str, str]:
    complaint_id = submit_and_process(desk, "01-spam-arf.eml")
    services = desk.client.app.state.services
    case = case_desk(services).queries.list()[0].case
    link = case_desk(services).responses.link(case.reference)
    return {"reference": case.reference, "complaint_id": str(complaint_id), "index": "0",
            "version": "reference-aup:2.1", "old": "reference-aup:2.1",
            "new": "reference-aup:2.1", "clause_id": "conduct.5a", "ref_or_id": "C-1001",
            "slug": "not-found", "token": link.token, "username": "nobody-here"}


def test_each_principal_is_refused_exactly_where_the_table_says(
        desk: Desk, values: dict[str, str]) -> None:
    served = _served(desk)
    key = desk.client.app.state.services.secret_key
    mistakes = []
    for (method, template), kind in sorted(served.items()):
        allowed = EXPECTED[(method, template)]
        path = "/static/desk.css" if kind == "static" else _fill(template, method, values)
        path += QUERIES.get(template, "")
        for who in PRINCIPALS:
            client = desk.session_client(who) if who != ANONYMOUS else desk.session_client_anon()
            headers: dict[str, str] = {}
            if path.startswith("/api/") and who != ANONYMOUS:
                headers = desk.people[who].bearer()
                client.cookies.clear()  # the API never reads cookies; prove it needs the token
            if method != "GET":
                cookie = client.cookies.get(SESSION_COOKIE)
                if cookie:
                    headers[auth.CSRF_HEADER] = auth._mac(key, "session", cookie)
                else:
                    client.cookies.set(PRE_SESSION_COOKIE, "matrix-pre-session")
                    headers[auth.CSRF_HEADER] = auth._mac(key, "pre", "matrix-pre-session")
            body = {"json": {}} if path.startswith("/api/") and method != "GET" else {}
            response = client.request(method, path, headers=headers, **body)
            refused = _refused(response)
            if response.status_code >= 500:
                mistakes.append(f"{who} {method} {path}: server error {response.status_code}")
            elif refused == (who in allowed):
                verdict = "refused" if refused else f"allowed ({response.status_code})"
                mistakes.append(f"{who} {method} {path}: {verdict}")
            if who in desk.people and desk.people[who].cookie and method != "GET":
                desk.keep_signed_in(who)  # /logout and friends end sessions
    assert not mistakes, "\n".join(mistakes)
