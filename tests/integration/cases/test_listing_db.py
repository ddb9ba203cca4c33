"""The case listing in the database: "due before", most urgent first, keyset paging in both
orders, and the repeat-offence counters through opening, dismissal, reopening and rollback.

Every test runs on SQLite and on PostgreSQL. The cases come through the real intake,
processing and aggregation; deadlines start when the notices go out, an hour or more
apart, so the deadlines differ and do not follow the order the cases were opened in.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case
from abusedesk.domain.cases_ports import CaseFilter, CaseOrder
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.errors import InvalidInput
from abusedesk.services.cases_queries import OPEN_STATES
from tests.integration.cases.conftest import Pipeline, arf_complaint, xarf_report

H = timedelta(hours=1)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
EVERY_STATE = tuple(CaseState)


def _listed(pipeline: Pipeline, selection: CaseFilter, *, page_size: int = 100) -> list[Case]:
    """Every case of ``selection``, read page by page as the queue's "next" link does."""
    cases: list[Case] = []
    before_id = None
    for _ in range(50):
        page = pipeline.desk.queries.list(selection, limit=page_size, before_id=before_id)
        cases.extend(item.case for item in page)
        if len(page) < page_size:
            return cases
        before_id = page[-1].case.id
    raise AssertionError("paging did not end")


def _urgency(case: Case) -> tuple[bool, datetime | None, int]:
    return (case.due_at is None, case.due_at, case.id)


@pytest.fixture
def queue(pipeline: Pipeline, clock: FrozenClock) -> dict[str, Case]:
    """Eight cases of three customers, by offender: six notified at different times (two
    with a 24-hour deadline from Lantern's agreement, opened last but due first), one of
    them later paused and one resolved; two whose notices have not gone out."""
    def notified(raw: bytes, *, xarf: bool) -> None:
        pipeline.submit(raw, xarf=xarf)
        pipeline.send_queued()
        clock.advance(H)

    notified(xarf_report("reputation", "blocklist", "192.0.2.10",
                         date="2026-03-01T06:00:00Z", report_id="bl-10"), xarf=True)
    notified(arf_complaint("192.0.2.11", message_id="fbl-11@mailbox.example"), xarf=False)
    notified(xarf_report("reputation", "blocklist", "203.0.113.140",
                         date="2026-03-01T06:10:00Z", report_id="bl-140"), xarf=True)
    notified(xarf_report("reputation", "blocklist", "192.0.2.12",
                         date="2026-03-01T06:20:00Z", report_id="bl-12"), xarf=True)
    notified(xarf_report("connection", "ddos", "198.51.100.200",
                         date="2026-03-01T10:00:00Z", report_id="dos-200"), xarf=True)
    notified(xarf_report("connection", "ddos", "198.51.100.201",
                         date="2026-03-01T10:05:00Z", report_id="dos-201"), xarf=True)
    pipeline.submit(arf_complaint("192.0.2.13", message_id="fbl-13@mailbox.example"))
    pipeline.submit(xarf_report("reputation", "blocklist", "203.0.113.141",
                                date="2026-03-01T07:00:00Z", report_id="bl-141"), xarf=True)
    cases = {item.case.offender: item.case
             for item in pipeline.desk.queries.list(CaseFilter(states=EVERY_STATE))}
    pipeline.desk.cases.pause(cases["192.0.2.12"].reference, actor="ann",
                              reason="the customer's network team is on it")
    pipeline.desk.cases.transition(cases["192.0.2.11"].reference, CaseState.RESOLVED,
                                   actor="ann", reason="the mailer was removed")
    cases = {item.case.offender: item.case
             for item in pipeline.desk.queries.list(CaseFilter(states=EVERY_STATE))}
    assert len(cases) == 8
    running = [c for c in cases.values() if c.due_at is not None]
    assert len(running) == 4, "four deadlines run: two listings and two floods"
    dos = min(running, key=lambda c: c.due_at)  # type: ignore[arg-type, return-value]
    assert dos.offender.startswith("198.51.100."), "the later, shorter deadline comes due first"
    return cases


def test_due_before_lists_the_cases_whose_running_deadline_falls_by_then(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    deadlines = sorted(c.due_at for c in queue.values() if c.due_at is not None)
    for moment in (deadlines[0] - timedelta(seconds=1), deadlines[0], deadlines[1],
                   deadlines[2] + H, deadlines[-1] + 1000 * H):
        expected = {c.reference for c in queue.values()
                    if c.due_at is not None and c.due_at <= moment}
        for order in CaseOrder:
            listed = _listed(pipeline, CaseFilter(due_before=moment, order=order), page_size=2)
            assert {c.reference for c in listed} == expected, (moment, order)
            assert len(listed) == len(expected), "no case is listed twice across pages"
    # the filter combines with the others
    harbour = queue["192.0.2.10"].customer_id
    assert [c.offender for c in _listed(pipeline, CaseFilter(
        customer_id=harbour, due_before=deadlines[-1]))] == ["192.0.2.10"]


def test_most_urgent_first_then_the_cases_without_a_running_deadline(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    everything = CaseFilter(states=EVERY_STATE, order=CaseOrder.DUE)
    expected = [c.reference for c in sorted(queue.values(), key=_urgency)]
    for page_size in (1, 2, 3, 4, 100):
        assert [c.reference for c in _listed(pipeline, everything, page_size=page_size)] \
            == expected, page_size
    # the default selection of the queue: the open cases only
    open_cases = [c.reference for c in sorted(queue.values(), key=_urgency)
                  if c.state in OPEN_STATES]
    listed = _listed(pipeline, CaseFilter(states=OPEN_STATES, order=CaseOrder.DUE), page_size=2)
    assert [c.reference for c in listed] == open_cases
    assert listed[0].due_at is not None and listed[-1].due_at is None


def test_newest_first_pages_follow_the_last_case_shown(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    expected = [c.reference for c in sorted(queue.values(), key=lambda c: -c.id)]
    for page_size in (1, 4, 100):
        listed = _listed(pipeline, CaseFilter(states=EVERY_STATE), page_size=page_size)
        assert [c.reference for c in listed] == expected


def test_paging_on_from_a_case_outside_the_scope_is_refused_in_urgency_order(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    harbour = queue["192.0.2.10"].customer_id
    foreign = queue["198.51.100.200"]  # Lantern's: its deadline is not Harbour's business
    with pytest.raises(InvalidInput, match="page on from the last case"):
        pipeline.desk.queries.list(CaseFilter(customer_id=harbour, order=CaseOrder.DUE),
                                   before_id=foreign.id)


def test_offence_counts_follow_opening_dismissal_and_reopening(
        pipeline: Pipeline, queue: dict[str, Case], clock: FrozenClock) -> None:
    queries, cases = pipeline.desk.queries, pipeline.desk.cases

    def shown() -> dict[int, int]:
        """The counts the queue shows, and the same counted from the cases directly."""
        listing = queries.list(CaseFilter(states=EVERY_STATE))
        counted = {item.case.customer_id: item.offences for item in listing}
        with pipeline.container.uow() as uow:
            recount = uow.cases.offence_counts(sorted(counted), since=LONG_AGO)
        assert counted == dict(recount), "the counter agrees with a count of the cases"
        return counted

    harbour = queue["192.0.2.10"].customer_id
    lantern = queue["198.51.100.200"].customer_id
    meadow = queue["203.0.113.140"].customer_id
    assert shown() == {harbour: 4, lantern: 2, meadow: 2}

    flood = queue["198.51.100.201"]
    cases.transition(flood.reference, CaseState.DISMISSED, actor="ann", reason="a test run")
    assert shown()[lantern] == 1
    assert queries.offences(lantern) == 1
    cases.transition(flood.reference, CaseState.NEW, actor="ann", reason="it was real after all")
    assert shown()[lantern] == 2
    cases.transition(flood.reference, CaseState.DISMISSED, actor="bob", reason="a test again")
    # a new flood after the dismissal opens a new, linked case: one more for the customer
    clock.advance(3 * H)
    later = (clock.now() - H).strftime("%Y-%m-%dT%H:%M:%SZ")
    pipeline.submit(xarf_report("connection", "ddos", "198.51.100.201", date=later,
                                report_id="dos-201-b"), xarf=True)
    floods = queries.list(CaseFilter(states=EVERY_STATE, offender="198.51.100.201"))
    assert [item.case.state for item in floods] == [CaseState.NEW, CaseState.DISMISSED]
    assert shown()[lantern] == 2
    # closing and resolving keep the count: only dismissal takes a case off it
    listing = queue["192.0.2.10"]
    cases.transition(listing.reference, CaseState.RESOLVED, actor="ann", reason="delisted")
    cases.transition(listing.reference, CaseState.CLOSED, actor="ann", reason="verified")
    assert shown() == {harbour: 4, lantern: 2, meadow: 2}


def test_offence_counts_change_only_with_the_transaction_that_commits(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    case = queue["192.0.2.13"]
    before = pipeline.desk.queries.offences(case.customer_id)
    with pipeline.container.uow() as uow:
        uow.cases.save(replace(case, state=CaseState.DISMISSED))
        assert uow.cases.offence_counts([case.customer_id])[case.customer_id] == before - 1
        uow.rollback()
    assert pipeline.desk.queries.offences(case.customer_id) == before
    with pipeline.container.uow() as uow:
        uow.cases.save(replace(case, state=CaseState.DISMISSED))
        uow.commit()
    assert pipeline.desk.queries.offences(case.customer_id) == before - 1


def test_concurrent_dismissals_and_reopenings_keep_the_count(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    """Staff working several cases of one customer at once: each move changes the same
    counter row in its own transaction."""
    errors: list[BaseException] = []
    last_moves: dict[str, CaseState] = {}

    def worker(case: Case, moves: list[CaseState]) -> None:
        try:
            for n, target in enumerate(moves):
                pipeline.desk.cases.transition(case.reference, target, actor=f"analyst-{n}",
                                               reason="second thoughts")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = []
    for offender, case in queue.items():
        moves = [CaseState.NEW] if case.state is CaseState.RESOLVED else []
        moves += [CaseState.DISMISSED, CaseState.NEW] * 4
        if offender.endswith((".10", ".12", ".200")):
            moves.append(CaseState.DISMISSED)
        last_moves[offender] = moves[-1]
        threads.append(threading.Thread(target=worker, args=(case, moves)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counted: dict[int, int] = {}
    for offender, case in queue.items():
        counted.setdefault(case.customer_id, 0)
        counted[case.customer_id] += last_moves[offender] is not CaseState.DISMISSED
    with pipeline.container.uow() as uow:
        assert dict(uow.cases.offence_counts(sorted(counted))) == counted
        assert dict(uow.cases.offence_counts(sorted(counted), since=LONG_AGO)) == counted


def test_rebuilding_the_counters_gives_the_counts_kept_along_the_way(
        pipeline: Pipeline, queue: dict[str, Case]) -> None:
    customers = sorted({c.customer_id for c in queue.values()})
    pipeline.desk.cases.transition(queue["203.0.113.141"].reference, CaseState.DISMISSED,
                                   actor="ann", reason="not ours")
    with pipeline.container.uow() as uow:
        kept = dict(uow.cases.offence_counts(customers))
    with pipeline.container.uow() as uow:
        assert uow.cases.rebuild_offence_counts() == len(customers)
        uow.commit()
    with pipeline.container.uow() as uow:
        assert dict(uow.cases.offence_counts(customers)) == kept
    assert sum(kept.values()) == len(queue) - 1
