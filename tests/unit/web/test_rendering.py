"""Page helpers: deadline indicators, durations, and autoescaping of hostile text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from abusedesk.interfaces.web.rendering import (
    deadline_status,
    environment,
    format_duration,
    query_string,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_passed_deadline_is_overdue_by_how_long() -> None:
    status = deadline_status(NOW - timedelta(hours=3, minutes=5), NOW)
    assert status == {"css": "overdue", "text": "overdue by 3 h 5 min"}


def test_the_last_quarter_of_the_allowed_time_is_due_soon() -> None:
    started = NOW - timedelta(hours=40)
    due = started + timedelta(hours=48)  # 8 of 48 hours left: under a quarter
    assert deadline_status(due, NOW, started_at=started)["css"] == "due-soon"
    due = started + timedelta(hours=72)  # 32 of 72 left
    assert deadline_status(due, NOW, started_at=started) == {"css": "on-time",
                                                             "text": "due in 1 d 8 h"}
    # without a start the last 12 hours count as soon
    assert deadline_status(NOW + timedelta(hours=11), NOW)["css"] == "due-soon"
    assert deadline_status(NOW + timedelta(hours=13), NOW)["css"] == "on-time"
    assert deadline_status(None, NOW)["css"] == "no-deadline"


def test_durations_read_in_two_units_at_most() -> None:
    assert format_duration(timedelta(days=2, hours=3, minutes=4)) == "2 d 3 h"
    assert format_duration(timedelta(days=2)) == "2 d"
    assert format_duration(timedelta(minutes=59, seconds=59)) == "59 min"
    assert format_duration(-timedelta(hours=5)) == "5 h"


def test_query_strings_drop_empty_values() -> None:
    assert query_string({"state": "new", "clause": ""}, before_id=12) == "?state=new&before_id=12"
    assert query_string({}) == ""


def test_every_template_escapes_what_it_is_given() -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    html = environment.from_string("<p>{{ value }}</p>").render(value=hostile)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=&#34;alert(2)&#34;" in html
