"""Policy versions: load, publish with the 30-day rule, the version in force, diff."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
        return container.policies.in_force(datetime.fromisoformat(day).replace(tzinfo=UTC)).stored.label

    assert version_at("2026-04-30T23:59:59") == "example-aup:1.0"
    assert version_at("2026-05-01T00:00:00") == "example-aup:1.1"


def test_a_stated_later_date_is_honoured_and_an_earlier_one_refused(container: Container) -> None:
    container.policies.load(small_policy_text("2.0"), source="v2.yaml")
    with pytest.raises(PolicyError, match="30th day after notice"):
        container.policies.publish("2.0", notice_date=date(2026, 3, 10), effective=date(2026, 3, 20))
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
    backward = container.policies.diff("1.1", "1.0")
    assert [c.id for c in backward.removed] == ["scanning"]
    assert container.policies.diff("1.0", "1.0").is_empty
