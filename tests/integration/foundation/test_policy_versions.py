"""Policy versions: load, publish with the 30-day rule, the version in force, diff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from abusedesk.bootstrap import Container
from abusedesk.domain.errors import Conflict, NotFound, PolicyError, PolicyFileError
from abusedesk.policies.loader import load_builtin_policy
from tests.support.policies import small_policy_text


def test_fresh_database_holds_the_builtin_policy_in_force(container: Container) -> None:
    in_force = container.policies.in_force()
    builtin = load_builtin_policy()
    assert in_force.stored.key == builtin.key
    assert in_force.stored.version == builtin.version
    assert [c.id for c in in_force.stored.policy.clauses] == [c.id for c in builtin.clauses]
    # Installed on the day of the test clock, effective at once: it is the first version.
    assert in_force.stored.effective_at == datetime(2026, 3, 2, tzinfo=UTC)


def test_a_change_takes_effect_on_the_30th_day_after_notice(container: Container) -> None:
    container.policies.load(small_policy_text("1.0"), source="v1.yaml")
    container.policies.load(small_policy_text("1.1", spam_deadline="P2D"), source="v1.1.yaml")
    container.policies.publish("example-aup:1.0", notice_date=date(2026, 3, 2))
    published = container.policies.publish("example-aup:1.1", notice_date=date(2026, 4, 1))
    assert published.effective_at == datetime(2026, 5, 1, tzinfo=UTC)

    def version_at(day: str) -> str:
        moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
        return container.policies.in_force(moment).stored.label

    assert version_at("2026-04-30T23:59:59") == "example-aup:1.0"
    assert version_at("2026-05-01T00:00:00") == "example-aup:1.1"


def test_a_stated_later_date_is_honoured_and_an_earlier_one_refused(container: Container) -> None:
    container.policies.load(small_policy_text("2.0"), source="v2.yaml")
    with pytest.raises(PolicyError, match="30th day after notice"):
        container.policies.publish("2.0", notice_date=date(2026, 3, 10),
                                   effective=date(2026, 3, 20))
    published = container.policies.publish("2.0", notice_date=date(2026, 3, 10),
                                           effective=date(2026, 6, 1))
    assert published.effective_at == datetime(2026, 6, 1, tzinfo=UTC)


def test_events_older_than_every_version_are_judged_by_the_earliest(container: Container) -> None:
    old_event = datetime(2015, 1, 19, 14, 32, tzinfo=UTC)
    in_force = container.policies.in_force(old_event)
    assert in_force.retroactive
    assert in_force.stored.version == load_builtin_policy().version


def test_versions_are_immutable_once_stored_or_published(container: Container) -> None:
    container.policies.load(small_policy_text("1.0"), source="a.yaml")
    with pytest.raises(Conflict, match="already stored"):
        container.policies.load(small_policy_text("1.0"), source="b.yaml")
    container.policies.publish("1.0", notice_date=date(2026, 3, 2))
    with pytest.raises(Conflict, match="was published"):
        container.policies.publish("1.0", notice_date=date(2026, 3, 3))


def test_notices_go_forward_in_time(container: Container) -> None:
    container.policies.load(small_policy_text("1.0"), source="a.yaml")
    with pytest.raises(PolicyError, match="before the notice of reference-aup:2.1"):
        container.policies.publish("1.0", notice_date=date(2026, 3, 1))


def test_unknown_and_ambiguous_versions_are_named(container: Container) -> None:
    with pytest.raises(NotFound, match="no stored policy version '9.9'"):
        container.policies.get("9.9")
    container.policies.load(small_policy_text("1.0"), source="a.yaml")
    container.policies.load(small_policy_text("1.0", key="other-aup"), source="b.yaml")
    with pytest.raises(PolicyError, match="ambiguous"):
        container.policies.get("1.0")
    assert container.policies.get("other-aup:1.0").key == "other-aup"


def test_an_invalid_file_is_not_stored(container: Container) -> None:
    before = len(container.policies.versions())
    broken = small_policy_text("3.0").replace("severity: high", "severity: dire")
    with pytest.raises(PolicyFileError) as raised:
        container.policies.load(broken, source="broken.yaml")
    assert raised.value.field == "clauses[1].severity"
    assert raised.value.line == broken.splitlines().index("    severity: dire") + 1
    assert len(container.policies.versions()) == before


def test_diff_names_added_removed_and_changed_clauses(container: Container) -> None:
    container.policies.load(small_policy_text("1.0"), source="a.yaml")
    container.policies.load(small_policy_text("1.1", spam_deadline="P2D", extra_clause=True),
                            source="b.yaml")
    forward = container.policies.diff("1.0", "1.1")
    assert [c.id for c in forward.added] == ["scanning"]
    assert forward.removed == ()
    assert [(c.clause_id, c.fields) for c in forward.changed] == [("spam", ("deadline",))]
    assert forward.carriers_added == ("Example Carrier",)
    assert forward.not_violations_added == forward.not_violations_removed == ()
    backward = container.policies.diff("1.1", "1.0")
    assert [c.id for c in backward.removed] == ["scanning"]
    assert container.policies.diff("1.0", "1.0").is_empty


def test_diff_names_report_types_that_stop_being_violations(container: Container) -> None:
    container.policies.load(small_policy_text("1.0"), source="a.yaml")
    relaxed = small_policy_text("1.1").replace(
        "    vulnerability/open_service:",
        "    vulnerability/cve: A CVE notice is advice.\n    vulnerability/open_service:")
    container.policies.load(relaxed, source="b.yaml")
    result = container.policies.diff("1.0", "1.1")
    assert result.not_violations_added == ("xarf:vulnerability/cve",)
    assert not result.is_empty


def test_policy_commands_as_a_user_runs_them(tmp_path) -> None:
    from tests.support.cli import abusedesk

    policy_file = tmp_path / "example.yaml"
    policy_file.write_text(small_policy_text("1.0"), encoding="utf-8")
    loaded = abusedesk("policy", "load", str(policy_file))
    assert loaded.code == 0, loaded.stderr
    assert "stored example-aup:1.0 (2 clauses)" in loaded.stdout
    notice = datetime.now(UTC).date() + timedelta(days=1)
    effective = notice + timedelta(days=30)
    published = abusedesk("policy", "publish", "example-aup:1.0", "--notice-date", str(notice))
    assert published.code == 0, published.stderr
    # The reference policy came first (installed today), so this change waits the 30 days.
    assert f"in force from {effective}" in published.stdout
    before = abusedesk("policy", "show", "--at", str(effective - timedelta(days=1)))
    after = abusedesk("policy", "show", "--at", str(effective))
    assert "reference-aup" in before.stdout and "example-aup:1.0" in after.stdout
    assert "listing" in after.stdout and "48 hours" in after.stdout
    exported = abusedesk("policy", "export", "example-aup:1.0")
    assert exported.stdout == policy_file.read_text(encoding="utf-8")

    broken = tmp_path / "broken.yaml"
    broken.write_text(small_policy_text("2.0").replace("deadline: PT48H", "deadline: two days"),
                      encoding="utf-8")
    refused = abusedesk("policy", "load", str(broken))
    assert refused.code == 3
    line = broken.read_text().splitlines().index("    deadline: two days") + 1
    assert f"broken.yaml:{line}: clauses[1].deadline:" in refused.stderr

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(small_policy_text("3.0").replace("Spam", "Späm").encode("latin-1"))
    assert abusedesk("policy", "load", str(latin1)).code == 3


def test_reference_policy_show_lists_every_clause_with_its_deadline() -> None:
    from tests.support.cli import abusedesk

    shown = abusedesk("policy", "show")
    assert shown.code == 0, shown.stderr
    policy = load_builtin_policy()
    for clause in policy.clauses:
        row = next((line for line in shown.stdout.splitlines() if f" {clause.id} " in line), None)
        assert row is not None, f"{clause.id} missing from `policy show`"
        expected = {"fixed": "hours", "promptly": "promptly", "none": "none"}[clause.deadline.kind]
        assert expected in row, row
    assert "conduct.3e" in shown.stdout
    row_3e = next(line for line in shown.stdout.splitlines() if " conduct.3e " in line)
    assert "48 hours" in row_3e
