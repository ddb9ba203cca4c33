"""Notice templates: per kind and clause, overridable, escaped where HTML, strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from abusedesk.domain.errors import ConfigurationError
from abusedesk.domain.notices import NoticeKind
from abusedesk.services.notifications_render import NoticeRenderer

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def context(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "reference": "AD-2026-000001", "provider": "Example Hosting", "policy_title": "AUP",
        "policy_label": "example:1", "abuse_contact": "abuse@provider.example",
        "clause": {"id": "conduct.3e", "section": "Prohibited Conduct", "number": "3e",
                   "title": "Blacklisting", "text": "Remedy within 48 hours."},
        "offender": "192.0.2.10", "event_count": 1, "first_event_at": T0, "last_event_at": T0,
        "events": [{"at": T0, "category": "reputation", "type": "blocklist",
                    "offender": "192.0.2.10"}],
        "deadline": {"text": "48 hours", "due_at": T0 + timedelta(hours=48), "source": "x"},
        "respond_url": "https://abuse.provider.example/respond/v1.a.b",
        "respond_expires_at": T0 + timedelta(days=30), "offences": 3, "action": "warn",
        "next_action": "suspend", "restricted": False,
        "party": {"name": "Harbour Widgets", "representative": "Ann Harbour"},
        "customer": {"name": "Harbour Widgets"},
        "complaint": {"sha256": "ab" * 32, "subject": "listing", "received_at": T0,
                      "attached": True, "filename": "complaint-1.eml"},
    }
    base.update(changes)
    return base


def test_clause_3e_has_its_own_notice_naming_the_48_hours_and_relisting() -> None:
    rendered = NoticeRenderer().render(NoticeKind.NOTICE, context(), clause_id="conduct.3e")
    assert rendered.template == "notice/conduct.3e.txt"
    assert rendered.subject == "[AD-2026-000001] Blacklisting of 192.0.2.10: remedy within 48 hours"
    assert "2026-03-04 09:30 UTC" in rendered.text and "re-listing" in rendered.text
    assert "https://abuse.provider.example/respond/v1.a.b" in rendered.text
    assert rendered.html is None


def test_other_clauses_use_the_default_notice() -> None:
    rendered = NoticeRenderer().render(NoticeKind.NOTICE, context(), clause_id="conduct.5a")
    assert rendered.template == "notice/default.txt"
    assert "case 3 recorded for Harbour Widgets" in rendered.text


def test_restricted_clauses_use_the_restricted_notice() -> None:
    rendered = NoticeRenderer().render(NoticeKind.NOTICE, context(events=[]),
                                       clause_id="conduct.2a", restricted=True)
    assert rendered.template == "notice/restricted.txt"
    assert "not forwarded" in rendered.text


def test_the_provider_directory_wins_per_clause_and_language(tmp_path: Path) -> None:
    (tmp_path / "notice").mkdir()
    (tmp_path / "notice" / "conduct.3e.de.txt").write_text(
        "Subject: [{{ reference }}] Sperrliste: {{ offender }}\n\nBitte bis {{ deadline.due_at "
        "| utc }} beheben.\n", encoding="utf-8")
    (tmp_path / "notice" / "default.html").write_text(
        "<p>Case {{ reference }} about {{ offender }}</p>", encoding="utf-8")
    renderer = NoticeRenderer(tmp_path, language="de")
    german = renderer.render(NoticeKind.NOTICE, context(), clause_id="conduct.3e")
    assert german.subject == "[AD-2026-000001] Sperrliste: 192.0.2.10"
    assert german.text.startswith("Bitte bis 2026-03-04 09:30 UTC")
    english = renderer.render(NoticeKind.NOTICE, context(), clause_id="conduct.3e", language="en")
    assert english.template == "notice/conduct.3e.txt"
    hostile = renderer.render(NoticeKind.NOTICE,
                              context(offender='<script>alert("x")</script>.example'),
                              clause_id="conduct.5a")
    assert hostile.html == ("<p>Case AD-2026-000001 about &lt;script&gt;alert(&#34;x&#34;)"
                            "&lt;/script&gt;.example</p>")
    assert '<script>alert("x")</script>' in hostile.text  # plain text is not HTML


def test_a_subject_cannot_carry_a_line_break() -> None:
    rendered = NoticeRenderer().render(NoticeKind.NOTICE,
                                       context(offender="x.example\r\nBcc: victim@example.org"),
                                       clause_id="conduct.5a")
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


@pytest.mark.parametrize(("body", "problem"), [
    ("No subject line\n\nbody", "Subject"),
    ("Subject: {{ no_such_value }}\n\nbody", "failed"),
    ("Subject: {{ ''.__class__.__mro__ }}\n\nbody", "failed"),
])
def test_broken_provider_templates_fail_loudly(tmp_path: Path, body: str, problem: str) -> None:
    (tmp_path / "reminder").mkdir()
    (tmp_path / "reminder" / "default.txt").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=problem):
        NoticeRenderer(tmp_path).render(NoticeKind.REMINDER, context())


def test_a_missing_template_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a directory"):
        NoticeRenderer(tmp_path / "absent")


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_has_a_built_in_template(kind: NoticeKind) -> None:
    extra = {"references": ["AD-2026-000001"]} if kind is NoticeKind.ACKNOWLEDGEMENT else {}
    if kind is NoticeKind.OPTIN_REQUEST:
        extra = {"optin": OPTIN}
    rendered = NoticeRenderer().render(kind, context(**extra), clause_id="conduct.5a")
    assert rendered.subject and rendered.text.strip()


OPTIN = {"id": 7, "hint": "d***@mailbox-provider.example", "address_sha256": "cd" * 32,
         "clause_id": "bulk-email.1", "requested_at": T0, "due_at": T0 + timedelta(hours=24),
         "deadline": "24 hours",
         "api_url": "https://abuse.provider.example/api/v1/optin-requests/7/evidence"}


def test_the_optin_request_notice_names_the_address_deadline_and_both_ways_to_answer() -> None:
    rendered = NoticeRenderer().render(NoticeKind.OPTIN_REQUEST, context(optin=OPTIN),
                                       clause_id="conduct.5a")
    assert rendered.subject == ("[AD-2026-000001] Opt-in evidence requested for "
                                "d***@mailbox-provider.example - due 2026-03-03 09:30 UTC")
    assert "within 24 hours, by 2026-03-03 09:30 UTC" in rendered.text
    assert "https://abuse.provider.example/respond/v1.a.b" in rendered.text
    assert "POST https://abuse.provider.example/api/v1/optin-requests/7/evidence" \
        in rendered.text
    assert "@mailbox-provider.example" in rendered.text and "dana" not in rendered.text
