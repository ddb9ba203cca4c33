"""Blocklist monitoring end to end against a real rbldnsd, on SQLite and PostgreSQL.

A sweep of the customers' assets finds known listings of customer addresses and a domain,
reports the refusing and the dead zone as failures (never as "not listed"), and files
each listing as a case under the clause the policy maps blocklisting to, for the customer
who holds the address, with the DNS answer and TXT record as evidence. The deadline runs
48 hours from the moment the relay accepted the notice. A failed sweep changes nothing; a
delisting resolves the case; a listing again escalates it.
"""

from __future__ import annotations

import asyncio
import base64
import email
import json
from dataclasses import replace
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from abusedesk.adapters.db.tables.cases import NoticeRow
from abusedesk.bootstrap import Container
from abusedesk.domain.blocklists import ListingStatus, Transition
from abusedesk.domain.blocklists_zones import ErrorKind, ZoneHealthStatus
from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_model import Case
from abusedesk.domain.cases_ports import CaseFilter
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.enforcement import ActionStatus
from abusedesk.domain.errors import Conflict
from abusedesk.domain.notices import NoticeStatus
from abusedesk.domain.policy import Action
from abusedesk.interfaces.workers.blocklists import blocklist_monitor
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.services.blocklist_monitor import BlocklistMonitor, MonitorReport
from abusedesk.services.blocklist_sweep import StaticAssets, read_targets
from tests.integration.blocklists import world
from tests.integration.cases.relay import CapturingRelay
from tests.support.rbldnsd import Rbldnsd


def sweep(monitor: BlocklistMonitor, **options: object) -> MonitorReport:
    return asyncio.run(monitor.sweep(**options))  # type: ignore[arg-type]


def send_queued(container: Container) -> int:
    """Send every queued notice, as the ``notices.send`` jobs would."""
    with container.sessions() as session:
        ids = list(session.scalars(select(NoticeRow.id).where(
            NoticeRow.status == NoticeStatus.QUEUED.value).order_by(NoticeRow.id)))
    for notice_id in ids:
        case_desk(container).notifications.send(notice_id)
    return len(ids)


def cases_by_offender(container: Container) -> dict[str, Case]:
    every_state = CaseFilter(states=tuple(CaseState))
    return {listing.case.offender: listing.case
            for listing in case_desk(container).queries.list(every_state)}


def customer_id(container: Container, ref: str) -> int:
    with container.uow() as uow:
        found = uow.customers.by_refs([ref])
    return found[ref].id


def test_a_sweep_files_listings_as_cases_and_reports_failures(provider: Container) -> None:
    report = sweep(blocklist_monitor(provider))
    summary = report.summary
    health = {name: tally.health.status for name, tally in summary.zones.items()}
    assert health == {"ips": ZoneHealthStatus.HEALTHY, "also": ZoneHealthStatus.HEALTHY,
                      "six": ZoneHealthStatus.HEALTHY, "names": ZoneHealthStatus.HEALTHY,
                      "refusing": ZoneHealthStatus.FAILING, "dead": ZoneHealthStatus.DEAD}
    # Every address of the refusing and the dead zone is an error, none "not listed".
    for name in ("refusing", "dead"):
        tally = summary.zones[name]
        assert tally.not_listed == 0 and tally.listed == 0
        assert tally.errors == {ErrorKind.ZONE_UNHEALTHY: world.IPV4_SWEPT}
    assert summary.zones["ips"].queries == world.IPV4_SWEPT
    assert summary.zones["six"].queries == world.IPV6_SWEPT
    # 198.18.0.5 is listed but nobody's: it is not asked.
    found = {(change.zone, change.entry): change for change in report.changes}
    assert set(found) == {("ips", "192.0.2.10"), ("ips", "203.0.113.200"),
                          ("also", "203.0.113.200"), ("six", "2001:db8:100:7::"),
                          ("names", "harbour.example")}
    assert {change.transition for change in found.values()} == {Transition.NEW_LISTING}
    assert report.record is not None and report.record.status == "done"
    assert report.record.changes == {"new-listing": 5}
    assert report.record.errors == 2 * world.IPV4_SWEPT

    cases = cases_by_offender(provider)
    harbour, meadow = customer_id(provider, "C-100"), customer_id(provider, "P-300-01")
    riverbank = customer_id(provider, "P-300")
    stored = provider.policies.in_force().stored
    expected_clauses = set(stored.policy.classify("reputation", "blocklist").clause_ids)
    assert expected_clauses == {"conduct.3e"}  # the reference policy: Blacklisting
    for offender in ("192.0.2.10", "2001:db8:100:7::", "harbour.example"):
        case = cases[offender]
        assert (case.customer_id, case.notify_customer_id) == (harbour, harbour)
        assert case.clause_id in expected_clauses and case.state is CaseState.NEW
        assert case.deadline == timedelta(hours=48)
    assert (cases["203.0.113.200"].customer_id,
            cases["203.0.113.200"].notify_customer_id) == (meadow, riverbank)
    # Two lists listing one address make one case, with both listings as its events.
    assert len(cases) == 4 and cases["203.0.113.200"].event_count == 2
    assert found[("ips", "203.0.113.200")].case_id == found[("also", "203.0.113.200")].case_id
    assert found[("ips", "192.0.2.10")].outcome.startswith(f"case {cases['192.0.2.10'].reference}")

    # The evidence: the DNS answer codes, their meaning and the TXT record.
    with provider.uow() as uow:
        complaint = uow.complaints.get(found[("ips", "192.0.2.10")].complaint_id)
        document = json.loads(uow.complaints.raw(complaint.sha256))
        (event,) = uow.events.for_complaint(complaint.id)
    assert document["category"] == "reputation" and document["type"] == "blocklist"
    assert document["source_identifier"] == "192.0.2.10"
    assert document["blocklist"]["return_codes"] == ["127.0.0.4"]
    assert document["blocklist"]["meanings"] == ["XBL: exploited host"]
    assert document["blocklist"]["txt"] == [
        "Exploited host 192.0.2.10: remove the bot, then ask for removal"]
    (answer,) = document["evidence"]
    dns_answer = base64.b64decode(answer["payload"]).decode("utf-8")
    assert "10.2.0.192.ips.bl.test." in dns_answer and "IN A 127.0.0.4" in dns_answer
    assert 'IN TXT "Exploited host 192.0.2.10: remove the bot' in dns_answer
    assert event.customer_id == harbour and event.clause_ids == ("conduct.3e",)


def test_the_deadline_runs_48_hours_from_the_notice(provider: Container, clock: FrozenClock,
                                                  relay: CapturingRelay) -> None:
    sweep(blocklist_monitor(provider))
    listed_at = clock.now()
    clock.advance(timedelta(hours=3))  # the relay is reached three hours after the listing
    send_queued(provider)
    notified_at = clock.now()
    case = cases_by_offender(provider)["192.0.2.10"]
    assert case.state is CaseState.NOTIFIED and case.notified_at == notified_at
    assert case.clock.due_at() == notified_at + timedelta(hours=48)
    assert case.clock.due_at() != listed_at + timedelta(hours=48)

    notices = [message for message in relay.to(world.HARBOUR_REP)
               if b"192.0.2.10" in message.data]
    (notice,) = notices
    parsed = email.message_from_bytes(notice.data, policy=policy.default)
    assert parsed["Subject"].startswith(f"[{case.reference}] Blacklisting of 192.0.2.10")
    text = parsed.get_body(("plain",)).get_content()
    assert "48 hours" in text and "2026-03-04 12:30 UTC" in text
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_content_type() == "application/json"
    document = json.loads(attachment.get_content())
    assert document["blocklist"]["txt"] == [
        "Exploited host 192.0.2.10: remove the bot, then ask for removal"]
    assert document["blocklist"]["return_codes"] == ["127.0.0.4"]
    # The partner is told about its customer's listing.
    assert any(b"203.0.113.200" in message.data for message in relay.to(world.RIVERBANK_REP))


def test_failed_lookups_change_nothing(provider: Container, clock: FrozenClock,
                                       closed_port: str) -> None:
    monitor = blocklist_monitor(provider)
    sweep(monitor)
    send_queued(provider)
    before = monitor.status(everything=True)
    clock.advance(timedelta(hours=6))
    broken = [replace(zone, resolver=closed_port, attempts=1) if zone.name == "ips" else zone
              for zone in monitor.zones]
    report = sweep(monitor.using(zones=broken))
    assert report.summary.zones["ips"].listed == 0
    assert report.summary.zones["ips"].not_listed == 0
    assert report.changes == [] and report.tally is not None
    assert report.tally.errors == 3 * world.IPV4_SWEPT  # ips, refusing and dead
    after = monitor.status(everything=True)
    ips_before = [view.listing for view in before.listings if view.listing.zone == "ips"]
    ips_after = [view.listing for view in after.listings if view.listing.zone == "ips"]
    assert ips_after == ips_before  # not even "last checked" moved
    assert cases_by_offender(provider)["192.0.2.10"].state is CaseState.NOTIFIED


def test_delisting_resolves_and_relisting_escalates(provider: Container, clock: FrozenClock,
                                                    world_server: Rbldnsd,
                                                    relay: CapturingRelay) -> None:
    monitor = blocklist_monitor(provider)
    sweep(monitor)
    send_queued(provider)
    case = cases_by_offender(provider)["192.0.2.10"]
    assert case.state is CaseState.NOTIFIED

    # The customer cleans up and the list drops the address.
    without = [line for line in world.IPS_LINES if not line.startswith("192.0.2.10 ")]
    world.serve(world_server, world.IPS_INDEX, without, probe="10.2.0.192.ips.bl.test",
                listed=False)
    clock.advance(timedelta(hours=6))
    report = sweep(monitor)
    (delisting,) = report.changes
    assert (delisting.entry, delisting.transition) == ("192.0.2.10", Transition.DELISTED)
    assert delisting.outcome == f"resolved {case.reference}"
    resolved = cases_by_offender(provider)["192.0.2.10"]
    assert resolved.state is CaseState.RESOLVED and resolved.resolved_at == clock.now()
    (listing,) = [v.listing for v in monitor.status("192.0.2.10").listings]
    assert listing.status is ListingStatus.DELISTED and listing.delisted_at == clock.now()
    unchanged = monitor.status("203.0.113.200").listings
    assert {(v.listing.zone, v.listing.last_checked) for v in unchanged} == {
        ("ips", clock.now()), ("also", clock.now())}

    # Listed again: clause 3e forbids re-listing, so the case climbs its ladder.
    relisted_line = "192.0.2.10 :127.0.0.2:Spam source $ (again)"
    world.serve(world_server, world.IPS_INDEX, [*without, relisted_line],
                probe="10.2.0.192.ips.bl.test", listed=True)
    clock.advance(timedelta(hours=6))
    report = sweep(monitor)
    (relisting,) = report.changes
    assert relisting.transition is Transition.RELISTED
    assert relisting.prior_case_id == case.id and relisting.case_id == case.id
    escalated = cases_by_offender(provider)["192.0.2.10"]
    assert escalated.id == case.id and escalated.state is CaseState.ESCALATED
    assert escalated.rung == 1 and escalated.ladder[1] is Action.SUSPEND
    assert escalated.event_count == 2  # the new evidence joined the case
    assert escalated.clock.due_at() == clock.now() + timedelta(hours=48)
    actions = case_desk(provider).enforcement.actions(case.reference)
    assert [(a.action, a.status) for a in actions] == [(Action.SUSPEND, ActionStatus.APPROVED)]
    (listing,) = [v.listing for v in monitor.status("192.0.2.10").listings]
    assert listing.status is ListingStatus.LISTED and listing.listings == 2
    assert listing.codes == ("127.0.0.2",)

    send_queued(provider)
    escalation = [m for m in relay.to(world.HARBOUR_REP)
                  if case.reference.encode() in m.data and b"suspend" in m.data.lower()]
    assert escalation, "the customer is told of the escalation"
    history = monitor.status("192.0.2.10").changes
    assert [change.transition for change in history] == [
        Transition.NEW_LISTING, Transition.DELISTED, Transition.RELISTED]


def test_a_case_stays_open_while_another_list_still_lists_the_address(
        provider: Container, clock: FrozenClock, world_server: Rbldnsd) -> None:
    monitor = blocklist_monitor(provider)
    sweep(monitor)
    send_queued(provider)
    without = [line for line in world.IPS_LINES if not line.startswith("203.0.113.200 ")]
    world.serve(world_server, world.IPS_INDEX, without, probe="200.113.0.203.ips.bl.test",
                listed=False)
    clock.advance(timedelta(hours=6))
    (delisting,) = sweep(monitor).changes
    assert (delisting.zone, delisting.transition) == ("ips", Transition.DELISTED)
    assert delisting.outcome == "still listed on also: the case stays open"
    assert cases_by_offender(provider)["203.0.113.200"].state is CaseState.NOTIFIED


def test_a_listing_of_an_address_nobody_holds_opens_no_case(provider: Container) -> None:
    targets, _ = read_targets(["198.18.0.5"])
    report = sweep(blocklist_monitor(provider), source=StaticAssets(targets))
    (change,) = report.changes
    assert change.transition is Transition.NEW_LISTING
    assert change.outcome is not None and change.outcome.startswith("no case: not ours")
    assert cases_by_offender(provider) == {}


def test_a_dry_look_stores_nothing(provider: Container) -> None:
    monitor = blocklist_monitor(provider)
    report = sweep(monitor, record=False)
    assert report.summary.listed == 5 and report.record is None and report.changes == []
    status = monitor.status(everything=True)
    assert status.listings == [] and status.sweeps == []
    assert cases_by_offender(provider) == {}


@pytest.mark.parametrize("stale", [False, True])
def test_one_recorded_sweep_at_a_time(provider: Container, clock: FrozenClock,
                                      stale: bool) -> None:
    with provider.uow() as uow:
        uow.blocklists.start_sweep(trigger="schedule", scope="customers", at=clock.now(),
                                   lease_until=clock.now() + timedelta(minutes=15))
        uow.commit()
    if stale:  # the sweep holding the lock died: its lease runs out
        clock.advance(timedelta(minutes=16))
        report = sweep(blocklist_monitor(provider))
        assert report.record is not None and report.record.status == "done"
        statuses = [record.status for record in blocklist_monitor(provider).status().sweeps]
        assert statuses == ["done", "abandoned"]
    else:
        with pytest.raises(Conflict, match="another blocklist sweep is running"):
            sweep(blocklist_monitor(provider))
