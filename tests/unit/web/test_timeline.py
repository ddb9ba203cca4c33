"""A case's timeline as staff and customers read it: the audit trail in words, each sent
notice once, and the API's codes kept for programs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from abusedesk.domain.cases_model import Notice
from abusedesk.domain.notices import NoticeKind, NoticeStatus
from abusedesk.interfaces.api.audit_labels import PHRASES, audit_label
from abusedesk.interfaces.api.routes.case_schemas import timeline

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECIPIENT = "abuse@northwind.example"


def _entry(minutes: int, action: str, data: dict[str, Any], *, actor: str = "system",
           reason: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(at=OPENED + timedelta(minutes=minutes), actor=actor, action=action,
                           reason=reason, data_json=json.dumps(data), data=data)


def _detail() -> SimpleNamespace:
    """A case opened, its notice queued and sent, moved on, and a warning requested."""
    sent = OPENED + timedelta(minutes=1)
    notice = Notice(id=7, kind=NoticeKind.NOTICE, status=NoticeStatus.SENT, case_id=1,
                    complaint_id=3, recipient=RECIPIENT, subject="AD-2026-000001",
                    message_id="<n7@abusedesk.example>", created_at=OPENED, sent_at=sent)
    history = [
        _entry(0, "case.open", {"clause": "conduct.5a"}, reason="first event of its key"),
        _entry(0, "notice.queue", {"notice_id": 7, "kind": "notice"}),
        _entry(1, "notice.sent", {"notice_id": 7, "kind": "notice", "recipient": RECIPIENT}),
        _entry(1, "case.transition", {"from": "new", "to": "notified"}),
        _entry(5, "enforcement.request", {"action_id": 2, "action": "warn"},
               actor="user:ana", reason="first offence"),
    ]
    case = SimpleNamespace(opened_at=OPENED, clause_id="conduct.5a",
                           clause_title="Email Spamming")
    return SimpleNamespace(case=case, history=history, notices=[notice], responses=[])


def test_staff_see_each_sent_notice_once_with_its_recipient() -> None:
    entries = timeline(_detail(), staff=True)
    sent = [e for e in entries if "sent" in e.label]
    assert len(sent) == 1
    assert sent[0].what == "notice.sent" and sent[0].detail == RECIPIENT


def test_staff_read_the_audit_trail_in_words_and_programs_keep_the_codes() -> None:
    entries = timeline(_detail(), staff=True)
    assert [e.label for e in entries] == ["case opened", "notice queued", "notice sent",
                                          "new → notified", "warn requested"]
    assert [e.what for e in entries][:3] == ["case.open", "notice.queue", "notice.sent"]
    assert entries[-1].actor == "user:ana" and entries[-1].detail == "first offence"


def test_customers_see_the_notice_from_the_notices_and_no_audit_trail() -> None:
    entries = timeline(_detail(), staff=False)
    assert [e.label for e in entries] == ["case opened", "notice sent"]
    assert all(e.detail is None or "conduct.5a" in e.detail for e in entries)


def test_every_known_code_has_words_and_unknown_codes_show_as_they_are() -> None:
    for code in PHRASES:
        label = audit_label(code, {"action": "suspend", "kind": "reminder"})
        assert "{" not in label and "." not in label, (code, label)
    assert audit_label("enforcement.execute", {"action": "suspend"}) == "suspend run"
    assert audit_label("notice.queue", {"kind": "reminder"}) == "reminder queued"
    assert audit_label("case.something-new", {}) == "case.something-new"
