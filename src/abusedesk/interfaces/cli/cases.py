"""``abusedesk cases``: list, show, move, notify, pause, enforce and charge cases.

Every command that changes something records who did it: ``--actor`` (default: the
login name) goes into the audit log. The two-person rule for termination compares the
requesting and approving actors, so each person runs ``approve`` under their own name.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from abusedesk.domain.cases import CaseState
from abusedesk.domain.cases_ports import CaseFilter, CaseOrder
from abusedesk.domain.enforcement import ActionStatus, ChargeKind, EnforcementAction
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.notices import NoticeKind
from abusedesk.domain.policy import Action
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.values import parse_moment
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.services.cases_queries import OPEN_STATES, CaseDetail, CaseListing

cases_app = typer.Typer(help="Cases: list, show, move, notify, enforce, charge.",
                        no_args_is_help=True)


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


ACTOR = typer.Option(None, "--actor", help="Who does this (audit log); default: cli:<login>.")
REASON = typer.Option(..., "--reason", help="Why (kept in the audit log).")


def _state(value: str) -> CaseState:
    try:
        return CaseState.parse(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


def print_listing(listing: Sequence[CaseListing]) -> None:
    table = Table("case", "state", "customer", "offences", "clause", "offender", "events",
                  "due (UTC)", "attention", box=None)
    for item in listing:
        case = item.case
        paused = " (paused)" if case.clock.paused else ""
        table.add_row(case.reference, f"[{case.state.colour}]{case.state.value}[/]",
                      escape(item.customer_name or str(case.customer_id)), str(item.offences),
                      case.clause_id, escape(case.offender), str(case.event_count),
                      _when(case.due_at) + paused,
                      "consent" if case.covered_by_consent else escape(case.attention or ""))
    console.print(table)
    console.print(f"{len(listing)} case(s)")


def print_detail(detail: CaseDetail) -> None:
    case = detail.case
    out = console.print
    out(f"[bold]{case.reference}[/bold] [{case.state.colour}]{case.state.label}[/] "
        f"(case {detail.offences} of this customer)")
    out(f"customer: {escape(detail.customer_name or '?')} (#{case.customer_id}); notices to "
        f"{escape(detail.party_name or '?')} (#{case.notify_customer_id})")
    out(f"clause: {case.clause_id} {escape(case.clause_title)} ({case.severity.value}"
        f"{', restricted' if case.restricted else ''}); offender: {escape(case.offender)}")
    out(f"opened {_when(case.opened_at)}; events {case.event_count} from "
        f"{_when(case.first_event_at)} to {_when(case.last_event_at)}"
        + (f"; reopened {case.reopen_count}x" if case.reopen_count else "")
        + (f"; follows {detail.previous_reference}" if detail.previous_reference else ""))
    ladder = " > ".join(f"[bold]{a.value}[/bold]" if i == case.rung else a.value
                        for i, a in enumerate(case.ladder)) or "-"
    out(f"deadline: {escape(case.deadline_source)}; due {_when(detail.due_at)}"
        f"{' (paused)' if case.clock.paused else ''}; ladder: {ladder}")
    if case.consent_note:
        out(f"[green]covered by consent:[/] {escape(case.consent_note)}")
    if case.attention:
        out(f"[yellow]attention:[/] {escape(case.attention)}")
    if detail.content_withheld:
        out("[red]restricted: events and complaints are withheld; --reveal shows them "
            "(recorded in the audit log)[/]")
    for event in detail.events[:50]:
        out(f"  event {_when(event.event_at)} {event.xarf_pair} {escape(event.offender)} "
            f"(complaint {event.complaint_id})")
    for notice in detail.notices:
        out(f"  notice #{notice.id} {notice.kind.value} to {escape(notice.recipient or '-')}: "
            f"{notice.status.value} {_when(notice.sent_at)} {escape(notice.error or '')}")
    for response in detail.responses:
        files = ", ".join(f"{name} ({size} B)" for name, _t, size, _h in response.evidence)
        out(f"  answer {_when(response.created_at)} {response.kind.value} by "
            f"{escape(response.author)}: {escape(response.text[:200])}"
            + (f" [files: {escape(files)}]" if files else ""))
    for action in detail.actions:
        out(f"  action #{action.id} {action.action.value} [{action.status.value}] requested "
            f"by {escape(action.requested_by)}: {escape(action.outcome or action.reason)}")
    for item in detail.charges:
        out(f"  charge #{item.id} {item.kind.value} {item.quantity} x {item.unit_price} = "
            f"{item.amount} {item.currency}: {escape(item.description)}")
    for referral in detail.referrals:
        out(f"  referred to {escape(referral.authority)} {escape(referral.reference or '')} "
            f"on {_when(referral.referred_at)} by {escape(referral.referred_by)}")
    out("history:")
    for entry in detail.history:
        out(f"  {entry.seq:>6} {_when(entry.at)} {escape(entry.actor)} {entry.action} "
            f"{escape(entry.reason or '')}")


@cases_app.command("list")
def list_cases(
    state: list[str] = typer.Option([], "--state", help="Only these states (repeatable)."),
    all_states: bool = typer.Option(False, "--all", help="Closed, dismissed and terminated too."),
    customer: int | None = typer.Option(None, "--customer", help="Only this customer id."),
    clause: str | None = typer.Option(None, "--clause", help="Only this clause id."),
    offender: str | None = typer.Option(None, "--offender", help="Only this resource."),
    attention: bool = typer.Option(False, "--attention", help="Only cases needing staff."),
    due_before: str | None = typer.Option(
        None, "--due-before", help="Only cases whose deadline falls before this date or time."),
    order: CaseOrder = typer.Option(CaseOrder.NEWEST, "--order",
                                    help="newest first, or due: most urgent first."),
    limit: int = typer.Option(100, min=1, max=10_000),
    before: int | None = typer.Option(
        None, "--before", help="Paging: the last case id of the previous page."),
) -> None:
    """Cases (open ones unless --state or --all) with their deadlines and repeat offences."""
    states = tuple(_state(s) for s in state) if state else (() if all_states else OPEN_STATES)
    selection = CaseFilter(states=states, customer_id=customer, clause_id=clause,
                           offender=offender, needs_attention=attention,
                           due_before=parse_moment(due_before) if due_before else None,
                           order=order)
    with container_for_command() as container:
        listing = case_desk(container).queries.list(selection, limit=limit, before_id=before)
    print_listing(listing)


@cases_app.command("show")
def show(
    reference: str = typer.Argument(..., help="AD-YYYY-NNNNNN, or the case id"),
    reveal: bool = typer.Option(False, "--reveal",
                                help="Show a restricted case's events (audited)."),
    actor: str | None = ACTOR,
) -> None:
    """One case: state, deadline, events, notices, answers, actions, charges, history."""
    with container_for_command() as container:
        detail = case_desk(container).queries.detail(reference, reveal=reveal,
                                                     actor=actor or default_actor())
    print_detail(detail)


@cases_app.command("transition")
def transition(
    reference: str = typer.Argument(...),
    state: str = typer.Argument(..., help="The new state (see docs/cases.md)."),
    reason: str = REASON,
    actor: str | None = ACTOR,
) -> None:
    """Move a case to another state; illegal moves are refused and say which are legal."""
    with container_for_command() as container:
        case = case_desk(container).cases.transition(reference, _state(state),
                                                     actor=actor or default_actor(),
                                                     reason=reason)
    console.print(f"{case.reference} is now {case.state.value}")


@cases_app.command("notify")
def notify(
    reference: str = typer.Argument(...),
    kind: NoticeKind = typer.Option(NoticeKind.NOTICE, "--kind",
                                    help="notice (with the complaint), reminder or escalation."),
    queue_only: bool = typer.Option(False, "--queue-only",
                                    help="Leave sending to the workers."),
    actor: str | None = ACTOR,
) -> None:
    """Send a notice to the party answering for the case (now, through the relay)."""
    with container_for_command() as container:
        desk = case_desk(container)
        notice = desk.notifications.notify(reference, kind=kind, actor=actor or default_actor())
        if not queue_only:
            notice = desk.notifications.send(notice.id).notice
    where = f" to {notice.recipient}" if notice.recipient else ""
    detail = f" ({notice.error})" if notice.error else ""
    console.print(f"notice #{notice.id} ({notice.kind.value}){where}: {notice.status.value}"
                  f"{detail}", markup=False)


@cases_app.command("pause")
def pause(reference: str = typer.Argument(...), reason: str = REASON,
          actor: str | None = ACTOR) -> None:
    """Stop the deadline clock while the provider owes the next move."""
    with container_for_command() as container:
        case = case_desk(container).cases.pause(reference, actor=actor or default_actor(),
                                                reason=reason)
    console.print(f"{case.reference}: deadline paused")


@cases_app.command("resume")
def resume(reference: str = typer.Argument(...), reason: str = REASON,
           actor: str | None = ACTOR) -> None:
    """Restart the deadline clock; the pause is added to the deadline."""
    with container_for_command() as container:
        case = case_desk(container).cases.resume(reference, actor=actor or default_actor(),
                                                 reason=reason)
    due = case.clock.due_at()
    console.print(f"{case.reference}: deadline resumed; due {due:%Y-%m-%d %H:%M} UTC"
                  if due else f"{case.reference}: deadline resumed")


@cases_app.command("link")
def link(reference: str = typer.Argument(...)) -> None:
    """A fresh signed response link for the case's representative."""
    with container_for_command() as container:
        made = case_desk(container).responses.link(reference)
    console.print(made.url, markup=False, soft_wrap=True)
    console.print(f"valid until {made.expires_at:%Y-%m-%d %H:%M} UTC")


@cases_app.command("refer")
def refer(
    reference: str = typer.Argument(...),
    authority: str = typer.Option(..., "--authority", help="Who it was referred to."),
    external: str | None = typer.Option(None, "--reference", help="Their report number."),
    note: str | None = typer.Option(None, "--note"),
    actor: str | None = ACTOR,
) -> None:
    """Record the referral of a case to the authorities (legal escalation, clause 2a)."""
    with container_for_command() as container:
        case = case_desk(container).cases.refer(reference, authority=authority,
                                                external_reference=external,
                                                actor=actor or default_actor(), note=note)
    console.print(f"{case.reference}: referral to {authority} recorded")


@cases_app.command("check-deadlines")
def check_deadlines() -> None:
    """Run the periodic deadline check now (reminders, escalations, overdue opt-in
    evidence requests)."""
    with container_for_command() as container:
        report = case_desk(container).deadlines.check()
        overdue = container.optin.check_overdue()
    console.print(f"{report.checked} checked; reminded: {', '.join(report.reminded) or '-'}; "
                  f"escalated: {', '.join(report.escalated) or '-'}; ladder exhausted: "
                  f"{', '.join(report.exhausted) or '-'}")
    if overdue.flagged:
        console.print(f"opt-in evidence overdue: request(s) "
                      f"{', '.join(map(str, overdue.flagged))}; escalated: "
                      f"{', '.join(overdue.escalated) or '-'}")


@cases_app.command("aggregate")
def aggregate(complaint_id: int = typer.Argument(...)) -> None:
    """Fold a processed complaint's events into cases again (idempotent)."""
    with container_for_command() as container:
        report = case_desk(container).cases.aggregate_complaint(complaint_id)
    console.print(f"complaint {complaint_id}: opened {', '.join(report.opened) or '-'}; "
                  f"joined {', '.join(report.joined) or '-'}; reopened "
                  f"{', '.join(report.reopened) or '-'}; covered by consent "
                  f"{', '.join(report.covered) or '-'}")


# -- enforcement ---------------------------------------------------------------------------

def _print_action(action: EnforcementAction) -> None:
    outcome = f": {action.outcome}" if action.outcome else ""
    console.print(f"action #{action.id} {action.action.value} {action.target} "
                  f"[{action.status.value}]{outcome}", markup=False)


@cases_app.command("enforce")
def enforce(
    reference: str = typer.Argument(...),
    action: Action = typer.Argument(..., help="warn, block-host, suspend, remove-content, "
                                              "remove-access or terminate"),
    reason: str = REASON,
    dry_run: bool | None = typer.Option(None, "--dry-run/--no-dry-run",
                                        help="Describe instead of acting (default: setting)."),
    actor: str | None = ACTOR,
) -> None:
    """Request an action; it runs at once unless it needs a second approver (terminate)."""
    with container_for_command() as container:
        result = case_desk(container).enforcement.request(
            reference, action, actor=actor or default_actor(), reason=reason, dry_run=dry_run)
    _print_action(result)
    if result.status is ActionStatus.AWAITING_APPROVAL:
        console.print(f"a second person approves it with `abusedesk cases approve {result.id}`")


@cases_app.command("approve")
def approve(action_id: int = typer.Argument(...), actor: str | None = ACTOR) -> None:
    """Approve an action awaiting a second person, and run it."""
    with container_for_command() as container:
        _print_action(case_desk(container).enforcement.approve(
            action_id, approver=actor or default_actor()))


@cases_app.command("execute")
def execute(action_id: int = typer.Argument(...), actor: str | None = ACTOR) -> None:
    """Run an approved action (one the deadline check requested, say)."""
    with container_for_command() as container:
        _print_action(case_desk(container).enforcement.execute(
            action_id, actor=actor or default_actor()))


@cases_app.command("lift")
def lift(action_id: int = typer.Argument(...), reason: str = REASON,
         actor: str | None = ACTOR) -> None:
    """Lift a suspension, a host block or a removal of access."""
    with container_for_command() as container:
        _print_action(case_desk(container).enforcement.lift(
            action_id, actor=actor or default_actor(), reason=reason))


@cases_app.command("cancel")
def cancel(action_id: int = typer.Argument(...), reason: str = REASON,
           actor: str | None = ACTOR) -> None:
    """Cancel an action that has not run."""
    with container_for_command() as container:
        _print_action(case_desk(container).enforcement.cancel(
            action_id, actor=actor or default_actor(), reason=reason))


@cases_app.command("actions")
def actions(reference: str | None = typer.Argument(None),
            pending: bool = typer.Option(False, "--pending",
                                         help="Only actions awaiting approval or execution.")
            ) -> None:
    """Enforcement actions (of one case, or all)."""
    statuses = (ActionStatus.AWAITING_APPROVAL, ActionStatus.APPROVED,
                ActionStatus.EXECUTING) if pending else ()
    with container_for_command() as container:
        found = case_desk(container).enforcement.actions(reference, statuses=statuses)
    table = Table("id", "case", "action", "target", "status", "requested by", "approved by",
                  box=None)
    for item in found:
        table.add_row(str(item.id), str(item.case_id), item.action.value, item.target,
                      item.status.value, item.requested_by, item.approved_by or "-")
    console.print(table)


@cases_app.command("charge")
def charge(
    reference: str = typer.Argument(...),
    kind: ChargeKind = typer.Option(..., "--kind", help="time (hours) or materials (units)"),
    quantity: str = typer.Option(..., "--quantity"),
    unit_price: str = typer.Option(..., "--unit-price"),
    currency: str = typer.Option("USD", "--currency"),
    description: str = typer.Option(..., "--description"),
    actor: str | None = ACTOR,
) -> None:
    """Record a time-and-materials charge on a case."""
    with container_for_command() as container:
        recorded = case_desk(container).enforcement.add_charge(
            reference, kind=kind, description=description, quantity=quantity,
            unit_price=unit_price, currency=currency, actor=actor or default_actor())
    console.print(f"charge #{recorded.id}: {recorded.amount} {recorded.currency}")


@cases_app.command("charges")
def charges(
    reference: str | None = typer.Option(None, "--case", help="Only this case."),
    since: str | None = typer.Option(None, "--since", help="Recorded at or after (date/time)."),
    until: str | None = typer.Option(None, "--until", help="Recorded before (date/time)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> None:
    """Export charges as CSV (to standard output, or a file)."""
    with container_for_command() as container:
        text = case_desk(container).enforcement.charges_csv(
            reference=reference, since=parse_moment(since) if since else None,
            until=parse_moment(until) if until else None)
    if output is not None:
        output.write_text(text, encoding="utf-8", newline="")
        console.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    app.add_typer(cases_app, name="cases")
