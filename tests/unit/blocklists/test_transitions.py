"""Clause 3e decisions: new listing, still listed, delisted, re-listed; errors change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from abusedesk.domain.blocklists import ListingHistory, ListingStatus, Transition, decide_transition
from abusedesk.domain.blocklists_zones import ErrorKind, LookupResult, Outcome

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def result(outcome: Outcome, at: datetime, *codes: str) -> LookupResult:
    return LookupResult("spamhaus-zen", "192.0.2.9", "9.2.0.192.zen.spamhaus.org", outcome, at,
                        codes=codes, error=ErrorKind.TIMEOUT if outcome is Outcome.ERROR else None)


def test_first_listing_opens_a_new_listing() -> None:
    decision = decide_transition(None, result(Outcome.LISTED, T0, "127.0.0.2"))
    assert decision.transition is Transition.NEW_LISTING
    assert decision.history.status is ListingStatus.LISTED
    assert decision.history.listed_since == T0
    assert decision.history.listings == 1


def test_clean_entry_stays_clean() -> None:
    decision = decide_transition(None, result(Outcome.NOT_LISTED, T0))
    assert decision.transition is Transition.STILL_CLEAN
    assert decision.history.status is ListingStatus.NEVER_LISTED
    assert decision.history.last_checked == T0


def test_full_life_listed_delisted_relisted() -> None:
    """A listing, its delisting after remedy, then a re-listing, which 3e forbids."""
    steps = [
        (result(Outcome.LISTED, T0, "127.0.0.2"), Transition.NEW_LISTING),
        (result(Outcome.LISTED, T0 + timedelta(hours=6), "127.0.0.2"), Transition.STILL_LISTED),
        (result(Outcome.ERROR, T0 + timedelta(hours=12)), Transition.ERROR),
        (result(Outcome.NOT_LISTED, T0 + timedelta(hours=30)), Transition.DELISTED),
        (result(Outcome.NOT_LISTED, T0 + timedelta(hours=36)), Transition.STILL_CLEAN),
        (result(Outcome.LISTED, T0 + timedelta(days=9), "127.0.0.4"), Transition.RELISTED),
    ]
    history: ListingHistory | None = None
    seen = []
    for step, _expected in steps:
        decision = decide_transition(history, step)
        seen.append(decision.transition)
        history = decision.history
    assert seen == [expected for _step, expected in steps]
    assert history is not None
    assert history.status is ListingStatus.LISTED
    assert history.listings == 2
    assert history.listed_since == T0 + timedelta(days=9)
    assert history.delisted_at == T0 + timedelta(hours=30)  # when it was last delisted
    assert history.codes == ("127.0.0.4",)


def test_still_listed_reports_changed_codes() -> None:
    first = decide_transition(None, result(Outcome.LISTED, T0, "127.0.0.2")).history
    same = decide_transition(first, result(Outcome.LISTED, T0 + timedelta(hours=1), "127.0.0.2"))
    moved = decide_transition(first, result(Outcome.LISTED, T0 + timedelta(hours=1),
                                            "127.0.0.2", "127.0.0.4"))
    assert not same.codes_changed
    assert moved.transition is Transition.STILL_LISTED and moved.codes_changed
    assert moved.history.listed_since == T0  # the listing is the same one, still running


def test_an_error_while_listed_neither_delists_nor_touches_history() -> None:
    listed = decide_transition(None, result(Outcome.LISTED, T0, "127.0.0.2")).history
    decision = decide_transition(listed, result(Outcome.ERROR, T0 + timedelta(hours=1)))
    assert decision.transition is Transition.ERROR
    assert decision.history == listed


def test_an_error_on_a_never_listed_entry_is_not_clean() -> None:
    decision = decide_transition(None, result(Outcome.ERROR, T0))
    assert decision.transition is Transition.ERROR
    assert decision.history.last_checked is None
