"""The policy file loader on valid and invalid files, and ``Policy.classify``.

Every invalid file must fail with a ``PolicyFileError`` that names the field and the line an
operator has to fix; hostile YAML (application tags, alias bombs, deep nesting) must fail
fast with the same error, never crash, hang or construct anything.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from abusedesk.domain.errors import PolicyFileError
from abusedesk.domain.policy import Action, DeadlineKind, Policy, Severity
from abusedesk.policies.loader import (
    MAX_POLICY_BYTES,
    load_policy_file,
    load_policy_text,
    uncovered_report_types,
)
from tests.support.policies import small_policy_text


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced; fails if the fixture no longer contains ``old`` once."""
    assert text.count(old) == 1, f"fixture should contain {old!r} exactly once"
    return text.replace(old, new)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th ``needle``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the text")


def load_error(text: str) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as raised:
        load_policy_text(text, source="provider.yaml")
    return raised.value


# -- a valid file ----------------------------------------------------------------------


def test_a_valid_file_becomes_a_policy_with_every_field() -> None:
    text = small_policy_text("1.0", extra_clause=True)
    policy = load_policy_text(text, source="provider.yaml")

    assert (policy.key, policy.version, policy.provider) == ("example-aup", "1.0",
                                                             "Example Hosting Ltd")
    assert policy.abuse_contact == "abuse@example.net"
    assert [c.id for c in policy.clauses] == ["spam", "listing", "scanning"]
    listing = policy.clause("listing")
    assert listing.severity is Severity.HIGH
    assert listing.deadline.kind is DeadlineKind.FIXED
    assert listing.deadline.duration == timedelta(hours=48)
    assert listing.ladder == (Action.WARN, Action.BLOCK_HOST, Action.SUSPEND)
    assert policy.clause("spam").deadline.kind is DeadlineKind.PROMPTLY
    assert policy.clause("spam").xarf == ("messaging/spam",)
    assert policy.clause("spam").rsit == ("spam",)
    assert policy.clause("scanning").consent_kinds == ("scanning",)
    assert [c.id for c in policy.carriers] == ["example-carrier"]
    assert policy.not_violations == {
        "xarf:vulnerability/open_service": "An open service is a notice, not a breach."}


def test_clause_text_is_folded_to_single_spaces() -> None:
    text = replace_once(small_policy_text(), "text: Do not send unsolicited bulk e-mail.",
                        "text: |\n      Do not send\n        unsolicited   bulk\n\n      e-mail.")
    assert load_policy_text(text).clause("spam").text == "Do not send unsolicited bulk e-mail."


def test_a_version_written_as_a_number_keeps_its_digits() -> None:
    # Unquoted, YAML reads 2.10 as the float 2.1; the loader must keep what was written.
    text = replace_once(small_policy_text(), 'version: "1.0"', "version: 2.10")
    assert load_policy_text(text).version == "2.10"


def test_a_file_on_disk_loads(tmp_path: Path) -> None:
    path = tmp_path / "aup.yaml"
    path.write_text(small_policy_text("4.2"), encoding="utf-8")
    assert load_policy_file(path).version == "4.2"


# -- each error names the field and the line --------------------------------------------


def test_a_missing_field_is_named_with_the_line_of_its_clause() -> None:
    text = replace_once(small_policy_text(), "    severity: high\n", "")
    error = load_error(text)
    assert error.field == "clauses[1].severity"
    assert error.line == line_of(text, "- id: listing")
    assert "is required" in str(error)
    assert str(error).startswith(f"provider.yaml:{error.line}: clauses[1].severity")


def test_a_missing_header_field_is_named() -> None:
    text = replace_once(small_policy_text(), "  abuse_contact: abuse@example.net\n", "")
    error = load_error(text)
    assert error.field == "policy.abuse_contact"
    assert error.line == line_of(text, "  key: example-aup")


def test_a_bad_enum_value_lists_the_allowed_ones() -> None:
    text = replace_once(small_policy_text(), "category: reputation", "category: reputational")
    error = load_error(text)
    assert error.field == "clauses[1].category"
    assert error.line == line_of(text, "category: reputational")
    assert "'reputational' is not one of" in error.reason
    assert "reputation" in error.reason


def test_a_bad_ladder_action_is_named_by_position() -> None:
    text = replace_once(small_policy_text(), "ladder: [warn, block-host, suspend]",
                        "ladder: [warn, nullroute, suspend]")
    error = load_error(text)
    assert error.field == "clauses[1].ladder[1]"
    assert error.line == line_of(text, "nullroute")


@pytest.mark.parametrize("deadline", ["48 hours", "PT48h", "P", "PT", "P1DT", "PT0H", "P2W",
                                      "PT999999999999999999999H"])
def test_a_bad_deadline_is_refused(deadline: str) -> None:
    text = replace_once(small_policy_text(), "deadline: PT48H", f"deadline: {deadline}")
    error = load_error(text)
    assert error.field == "clauses[1].deadline"
    assert error.line == line_of(text, f"deadline: {deadline}")


@pytest.mark.parametrize(("written", "expected"), [
    ("PT24H", timedelta(hours=24)), ("P2D", timedelta(days=2)),
    ("P1DT12H", timedelta(hours=36)), ("PT90M", timedelta(minutes=90)),
])
def test_iso_8601_durations_are_read(written: str, expected: timedelta) -> None:
    text = replace_once(small_policy_text(), "deadline: PT48H", f"deadline: {written}")
    assert load_policy_text(text).clause("listing").deadline.duration == expected


def test_an_unknown_xarf_pair_is_refused() -> None:
    text = replace_once(small_policy_text(), "xarf: [messaging/spam]",
                        "xarf: [messaging/spam, messaging/phishing]")
    error = load_error(text)
    assert error.field == "clauses[0].maps_from.xarf[1]"
    assert error.line == line_of(text, "messaging/phishing")
    assert "not an XARF v4 category/type pair" in error.reason


def test_an_unknown_rsit_type_is_refused() -> None:
    text = replace_once(small_policy_text(), "rsit: [spam]", "rsit: [spamming]")
    error = load_error(text)
    assert error.field == "clauses[0].maps_from.rsit[0]"
    assert "not an RSIT classification type" in error.reason


def test_a_duplicate_clause_id_points_at_the_second_clause() -> None:
    text = replace_once(small_policy_text(), "- id: listing", "- id: spam")
    error = load_error(text)
    assert error.field == "clauses[1]"
    assert error.line == line_of(text, "- id: spam", occurrence=2)
    assert "duplicate clause id 'spam'" in error.reason


def test_a_duplicate_carrier_id_is_refused() -> None:
    text = small_policy_text(extra_clause=True) + (
        "  - id: example-carrier\n    name: Another Carrier\n")
    error = load_error(text)
    assert error.field == "carriers[1]"
    assert "duplicate carrier id" in error.reason


def test_a_type_both_mapped_and_declared_not_a_violation_is_refused() -> None:
    text = small_policy_text() + "    messaging/spam: Not our problem.\n"
    error = load_error(text)
    assert error.field == "not_violations.xarf.messaging/spam"
    assert error.line == line_of(text, "messaging/spam: Not our problem.")
    assert "mapped to a clause and declared not a violation" in error.reason


def test_an_unknown_type_declared_not_a_violation_is_refused() -> None:
    text = small_policy_text() + "    vulnerability/open_port: A notice.\n"
    error = load_error(text)
    assert error.field == "not_violations.xarf.vulnerability/open_port"


def test_an_unknown_field_is_named() -> None:
    text = replace_once(small_policy_text(), "    severity: high\n",
                        "    severity: high\n    severty: high\n")
    error = load_error(text)
    assert error.field == "clauses[1].severty"
    assert error.line == line_of(text, "severty")


def test_a_field_given_twice_is_refused_not_silently_overwritten() -> None:
    text = replace_once(small_policy_text(), "    severity: high\n",
                        "    severity: high\n    severity: low\n")
    error = load_error(text)
    assert error.field == "clauses[1].severity"
    assert error.line == line_of(text, "severity: low")
    assert "twice" in error.reason


def test_restricted_must_be_a_boolean() -> None:
    text = replace_once(small_policy_text(), "    severity: high\n",
                        "    severity: high\n    restricted: \"only staff\"\n")
    error = load_error(text)
    assert error.field == "clauses[1].restricted"


def test_a_clause_id_with_a_trailing_newline_is_refused() -> None:
    # A block scalar keeps its final newline; "spam\n" must not pass as the id "spam".
    text = replace_once(small_policy_text(), "- id: spam", "- id: |\n      spam")
    assert load_error(text).field == "clauses[0].id"


def test_a_carrier_url_must_be_http() -> None:
    text = replace_once(small_policy_text(extra_clause=True), "    name: Example Carrier\n",
                        "    name: Example Carrier\n    url: javascript:alert(1)\n")
    error = load_error(text)
    assert error.field == "carriers[0].url"


def test_the_wrong_format_is_named_before_anything_else() -> None:
    text = replace_once(small_policy_text(), "format: abusedesk-policy/1", "format: aup/2")
    error = load_error(text)
    assert error.field == "format"
    assert error.line == 1


@pytest.mark.parametrize("text", ["", "# nothing here\n", "- a list\n- not a mapping\n"])
def test_an_empty_or_non_mapping_document_is_refused(text: str) -> None:
    assert load_error(text).field in {"(file)", "(root)"}


def test_a_yaml_syntax_error_gives_the_line() -> None:
    text = replace_once(small_policy_text(), "ladder: [warn, block-host, suspend]",
                        "ladder: [warn, block-host, suspend")
    error = load_error(text)
    assert error.field == "(file)"
    assert "not valid YAML" in error.reason
    # PyYAML notices the missing bracket at the next token, a line or two later.
    assert line_of(text, "ladder: [warn, block-host") <= error.line <= line_of(
        text, "ladder: [warn, block-host") + 2


# -- hostile YAML --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system [\"echo pwned\"]",
    "!!python/name:os.system",
    "!!python/object:abusedesk.domain.policy.Carrier {id: x, name: y}",
    "!custom thing",
    "!!binary aGVsbG8=",
])
def test_application_tags_are_refused_with_field_and_line(value: str) -> None:
    text = replace_once(small_policy_text(), "title: Blocklisting", f"title: {value}")
    error = load_error(text)
    assert error.field == "clauses[1].title"
    assert error.line == line_of(text, f"title: {value}")
    assert "tag" in error.reason


def test_an_alias_bomb_fails_on_the_value_bound() -> None:
    # Nine levels of ten aliases each would expand to 10**9 values.
    levels = ["  a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for depth in range(1, 9):
        previous, name = chr(ord("a") + depth - 1), chr(ord("a") + depth)
        levels.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    text = small_policy_text() + "bomb:\n" + "\n".join(levels) + "\n"
    error = load_error(text)
    assert error.field.startswith("bomb.")
    assert "more than" in error.reason and "aliases" in error.reason


def test_a_recursive_alias_is_refused() -> None:
    text = replace_once(small_policy_text(), "evidence: [complaint-copy]",
                        "evidence: &loop [complaint-copy, *loop]")
    error = load_error(text)
    assert error.field == "clauses[0].evidence[1]"
    assert "refers to itself" in error.reason


def test_aliases_for_shared_values_are_allowed() -> None:
    text = replace_once(small_policy_text(), "ladder: [warn, suspend, terminate]",
                        "ladder: &standard [warn, suspend, terminate]")
    text = replace_once(text, "ladder: [warn, block-host, suspend]", "ladder: *standard")
    policy = load_policy_text(text)
    assert policy.clause("listing").ladder == policy.clause("spam").ladder


@pytest.mark.parametrize("depth", [20, 5000])
def test_deep_nesting_is_refused(depth: int) -> None:
    text = small_policy_text() + "extra: " + "[" * depth + "]" * depth + "\n"
    error = load_error(text)
    assert "nested more than" in error.reason


def test_an_oversized_text_is_refused() -> None:
    text = small_policy_text() + "# " + "x" * MAX_POLICY_BYTES + "\n"
    error = load_error(text)
    assert error.field == "(file)"
    assert "larger than" in error.reason


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_POLICY_BYTES + 1)
    assert "larger than" in load_error_file(path).reason


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    text = replace_once(small_policy_text(), "title: Spam", "title: Spam \u00e9")
    path.write_bytes(text.encode("latin-1"))
    error = load_error_file(path)
    assert "UTF-8" in error.reason
    assert error.line == line_of(text, "title: Spam")


def test_a_missing_file_is_a_policy_file_error(tmp_path: Path) -> None:
    assert "cannot be read" in load_error_file(tmp_path / "absent.yaml").reason


def load_error_file(path: Path) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as raised:
        load_policy_file(path)
    return raised.value


# -- classification --------------------------------------------------------------------


@pytest.fixture
def small_policy() -> Policy:
    return load_policy_text(small_policy_text(extra_clause=True))


def test_classify_maps_an_xarf_pair_to_its_clause(small_policy: Policy) -> None:
    assert small_policy.classify("messaging", "spam").clause_ids == ("spam",)
    assert small_policy.classify("connection", "port_scan").clause_ids == ("scanning",)


def test_classify_adds_the_clauses_of_a_more_specific_rsit_type(small_policy: Policy) -> None:
    result = small_policy.classify("reputation", "blocklist", rsit="spam")
    assert result.clause_ids == ("listing", "spam")
    assert result.not_a_violation is None


def test_classify_does_not_repeat_a_clause_both_vocabularies_name(small_policy: Policy) -> None:
    assert small_policy.classify("messaging", "spam", rsit="spam").clause_ids == ("spam",)


def test_classify_gives_the_reason_for_a_declared_non_violation(small_policy: Policy) -> None:
    result = small_policy.classify("vulnerability", "open_service")
    assert result.clause_ids == ()
    assert result.not_a_violation == "An open service is a notice, not a breach."


def test_a_mapped_rsit_type_overrides_a_non_violation_pair(small_policy: Policy) -> None:
    # An "open service" report whose feed says the host is sending spam is spam.
    result = small_policy.classify("vulnerability", "open_service", rsit="spam")
    assert result.clause_ids == ("spam",)
    assert result.not_a_violation is None


def test_an_unmapped_category_has_neither_clause_nor_reason(small_policy: Policy) -> None:
    result = small_policy.classify("copyright", "p2p", rsit="copyright")
    assert result.clause_ids == ()
    assert result.not_a_violation is None
    assert "xarf:copyright/p2p" in uncovered_report_types(small_policy)
    assert "xarf:messaging/spam" not in uncovered_report_types(small_policy)


def test_an_rsit_only_non_violation_gives_its_reason() -> None:
    text = small_policy_text() + "  rsit:\n    vulnerable-system: A notice to patch.\n"
    policy = load_policy_text(text)
    result = policy.classify("vulnerability", "cve", rsit="vulnerable-system")
    assert result.clause_ids == ()
    assert result.not_a_violation == "A notice to patch."


def test_promptly_resolves_to_the_configured_duration(small_policy: Policy) -> None:
    spam = small_policy.clause("spam").deadline
    assert spam.resolve(timedelta(hours=72)) == timedelta(hours=72)
    assert spam.resolve(timedelta(hours=12)) == timedelta(hours=12)
    assert spam.describe(timedelta(hours=72)) == "promptly (72 hours)"
    listing = small_policy.clause("listing").deadline
    assert listing.resolve(timedelta(hours=12)) == timedelta(hours=48)
    assert listing.describe(timedelta(hours=12)) == "48 hours"
