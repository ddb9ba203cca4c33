"""The case-state vocabulary and its transition table."""

from __future__ import annotations

import pytest

from abusedesk.domain.cases import (
    FINAL_STATES,
    TRANSITIONS,
    CaseState,
    IllegalTransition,
    can_transition,
    check_transition,
)
from abusedesk.domain.errors import Conflict

S = CaseState


def test_every_state_has_a_label_colour_and_description_and_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(CaseState)
    for state in CaseState:
        assert state.label and state.colour and state.description
    assert [value for value, _label, _colour in CaseState.choices()] == [s.value for s in S]


def test_the_issue_vocabulary_is_exactly_the_enum() -> None:
    assert {s.value for s in S} == {
        "new", "notified", "acknowledged", "awaiting-customer", "resolved", "closed",
        "dismissed", "escalated", "suspended", "terminated"}


@pytest.mark.parametrize(("current", "wanted"), [
    (S.NEW, S.NOTIFIED), (S.NOTIFIED, S.ACKNOWLEDGED), (S.ACKNOWLEDGED, S.RESOLVED),
    (S.RESOLVED, S.CLOSED), (S.NOTIFIED, S.ESCALATED), (S.ESCALATED, S.ESCALATED),
    (S.ESCALATED, S.SUSPENDED), (S.SUSPENDED, S.TERMINATED), (S.CLOSED, S.NEW),
    (S.RESOLVED, S.AWAITING_CUSTOMER), (S.NEW, S.DISMISSED), (S.DISMISSED, S.NEW),
])
def test_workflow_moves_are_legal(current: CaseState, wanted: CaseState) -> None:
    check_transition("AD-2026-000001", current, wanted)


@pytest.mark.parametrize(("current", "wanted"), [
    (S.NEW, S.AWAITING_CUSTOMER), (S.CLOSED, S.RESOLVED), (S.TERMINATED, S.NEW),
    (S.DISMISSED, S.CLOSED), (S.RESOLVED, S.ACKNOWLEDGED), (S.NOTIFIED, S.NOTIFIED),
    (S.NOTIFIED, S.CLOSED), (S.SUSPENDED, S.ACKNOWLEDGED),
])
def test_illegal_moves_are_refused_with_the_legal_ones_named(current: CaseState,
                                                             wanted: CaseState) -> None:
    assert not can_transition(current, wanted)
    with pytest.raises(IllegalTransition) as raised:
        check_transition("AD-2026-000007", current, wanted)
    message = str(raised.value)
    assert "AD-2026-000007" in message and current.value in message and wanted.value in message
    for legal in TRANSITIONS[current]:
        assert legal.value in message
    assert isinstance(raised.value, Conflict)  # the CLI maps it to exit code 5


def test_terminated_is_the_only_state_without_a_way_out() -> None:
    assert [s for s in S if not TRANSITIONS[s]] == [S.TERMINATED]
    assert "final" in str(IllegalTransition("AD-1", S.TERMINATED, S.NEW))


def test_final_states_can_only_be_left_by_reopening() -> None:
    for state in FINAL_STATES:
        assert TRANSITIONS[state] <= {S.NEW}


def test_every_state_can_be_reached_from_new() -> None:
    seen, frontier = {S.NEW}, [S.NEW]
    while frontier:
        for following in TRANSITIONS[frontier.pop()]:
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    assert seen == set(S)


@pytest.mark.parametrize(("text", "state"), [
    ("awaiting-customer", S.AWAITING_CUSTOMER), ("Awaiting customer", S.AWAITING_CUSTOMER),
    ("AWAITING_CUSTOMER", S.AWAITING_CUSTOMER), (" closed ", S.CLOSED)])
def test_parse_accepts_values_and_labels(text: str, state: CaseState) -> None:
    assert CaseState.parse(text) is state


def test_parse_names_the_states_when_it_fails() -> None:
    with pytest.raises(ValueError, match="awaiting-customer"):
        CaseState.parse("pending")
