"""``abusedesk bulk``: no-send lists, affiliates and opt-in evidence requests (Bulk Emailers).

No-send addresses are stored as SHA-256 digests of the normalised address; ``list`` and
``export`` show the digest and a masked hint, ``check`` answers for addresses you give.
Every change is written to the audit log under ``--actor`` (default: ``cli:<login>``).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from abusedesk.domain.bulk import NoSendSource
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.cases import ACTOR, REASON, default_actor
from abusedesk.interfaces.cli.context import console, container_for_command

bulk_app = typer.Typer(help="Bulk-email compliance: no-send lists, affiliates, opt-in "
                            "evidence.", no_args_is_help=True)
no_send_app = typer.Typer(help="A customer's master no-send list.", no_args_is_help=True)
affiliates_app = typer.Typer(help="A customer's affiliate registry.", no_args_is_help=True)
EXPORT_COLUMNS = ("address_sha256", "hint", "source", "added_at", "complaint_id")


def _source(value: str) -> NoSendSource:
    try:
        return NoSendSource(value.strip().lower())
    except ValueError:
        known = ", ".join(source.value for source in NoSendSource)
        raise InvalidInput(f"{value!r} is not a source; use one of: {known}") from None


@no_send_app.command("list")
def list_no_send(customer: str = typer.Argument(..., help="Customer ref or id.")) -> None:
    """The customer's no-send list, oldest first."""
    with container_for_command() as container:
        found, entries = container.bulk.no_send(customer)
    table = Table("added (UTC)", "address (masked)", "sha256", "source", "complaint", "by",
                  box=None)
    for entry in entries:
        table.add_row(f"{entry.added_at:%Y-%m-%d %H:%M}", escape(entry.hint),
                      entry.address_sha256[:16], entry.source.value,
                      str(entry.complaint_id or "-"), escape(entry.added_by))
    console.print(table)
    console.print(f"{len(entries)} address(es) on the no-send list of {escape(found.ref)}")


@no_send_app.command("add")
def add_no_send(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    addresses: list[str] = typer.Argument(..., help="E-mail addresses."),
    source: str = typer.Option("manual", "--source",
                               help="manual, import, complainant-request or feedback-loop."),
    note: str | None = typer.Option(None, "--note", help="Why (kept with the entries)."),
    actor: str | None = ACTOR,
) -> None:
    """Put addresses on the list; those already listed are left as they are."""
    with container_for_command() as container:
        outcome = container.bulk.add(customer, addresses, actor=actor or default_actor(),
                                     source=_source(source), note=note)
    console.print(f"{len(outcome.added)} added, {outcome.already_listed} already listed")


@no_send_app.command("remove")
def remove_no_send(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    addresses: list[str] = typer.Argument(..., help="E-mail addresses."),
    reason: str = REASON,
    actor: str | None = ACTOR,
) -> None:
    """Take addresses off the list (the recipient opted in again, with proof)."""
    with container_for_command() as container:
        removed = container.bulk.remove(customer, addresses, actor=actor or default_actor(),
                                        reason=reason)
    console.print(f"{removed} removed")


@no_send_app.command("export")
def export_no_send(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    output: Path | None = typer.Option(None, "--output", "-o", help="CSV file; default stdout."),
) -> None:
    """The list as CSV: SHA-256 of each normalised address, hint, source, time, complaint."""
    with container_for_command() as container:
        _found, entries = container.bulk.no_send(customer)
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for entry in entries:
            writer.writerow((entry.address_sha256, entry.hint, entry.source.value,
                             entry.added_at.isoformat(), entry.complaint_id or ""))
    finally:
        if output:
            handle.close()


@no_send_app.command("check")
def check_no_send(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    addresses: list[str] = typer.Argument(..., help="E-mail addresses."),
) -> None:
    """Say for each address whether the customer may send to it."""
    with container_for_command() as container:
        results = container.bulk.check(customer, addresses)
    for result in results:
        if result.entry is None:
            console.print(f"{escape(result.address)}: not listed")
        else:
            console.print(f"{escape(result.address)}: [red]no-send[/red] since "
                          f"{result.entry.added_at:%Y-%m-%d %H:%M} UTC "
                          f"({result.entry.source.value})")


@affiliates_app.command("list")
def list_affiliates(customer: str = typer.Argument(..., help="Customer ref or id.")) -> None:
    """The customer's affiliates and the domains they send as."""
    with container_for_command() as container:
        found, affiliates = container.bulk.affiliates(customer)
    table = Table("affiliate", "status", "domains", "since (UTC)", "note", box=None)
    for item in affiliates:
        colour = "red" if item.status.value == "blocked" else "green"
        table.add_row(escape(item.name), f"[{colour}]{item.status.value}[/]",
                      escape(", ".join(item.domains) or "-"), f"{item.updated_at:%Y-%m-%d}",
                      escape(item.note or ""))
    console.print(table)
    console.print(f"{len(affiliates)} affiliate(s) of {escape(found.ref)}")


@affiliates_app.command("add")
def add_affiliate(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    name: str = typer.Argument(..., help="The affiliate's name."),
    domains: list[str] = typer.Option([], "--domain", help="A sending domain (repeatable)."),
    note: str | None = typer.Option(None, "--note"),
    actor: str | None = ACTOR,
) -> None:
    """Register an affiliate of the customer's lead programme."""
    with container_for_command() as container:
        saved = container.bulk.add_affiliate(customer, name, domains,
                                             actor=actor or default_actor(), note=note)
    console.print(f"affiliate {escape(saved.name)} registered ({len(saved.domains)} domain(s))")


@affiliates_app.command("block")
def block_affiliate(
    customer: str = typer.Argument(..., help="Customer ref or id."),
    name: str = typer.Argument(..., help="The affiliate's name."),
    reason: str = REASON,
    actor: str | None = ACTOR,
) -> None:
    """Record that the customer blocked an affiliate (links off, traffic to a 404 page)."""
    with container_for_command() as container:
        saved = container.bulk.block_affiliate(customer, name, actor=actor or default_actor(),
                                               reason=reason)
    console.print(f"affiliate {escape(saved.name)} blocked")


@bulk_app.command("request-optin")
def request_optin(
    case: str = typer.Argument(..., help="Case reference or id (a spam case)."),
    address: str = typer.Argument(..., help="The complainant's e-mail address."),
    actor: str | None = ACTOR,
) -> None:
    """Ask for the confirmed opt-in record of a recipient; due per clause bulk-email.1."""
    with container_for_command() as container:
        request = container.optin.request(case, address, actor=actor or default_actor())
    told = f"; notice #{request.notice_id} queued to the customer's representative" \
        if request.notice_id else ""
    console.print(f"request {request.id} for {escape(request.hint)}: due "
                  f"{request.due_at:%Y-%m-%d %H:%M} UTC; the address is on the no-send list"
                  f"{told}")


@bulk_app.command("optin-requests")
def optin_requests(
    customer: str | None = typer.Option(None, "--customer", help="Customer ref or id."),
    open_only: bool = typer.Option(False, "--open", help="Unanswered requests only."),
) -> None:
    """Opt-in evidence requests and where they stand."""
    with container_for_command() as container:
        requests = container.optin.requests(customer, open_only=open_only)
    table = Table("id", "case", "address (masked)", "due (UTC)", "answered", "overdue",
                  "evidence", box=None)
    for item in requests:
        table.add_row(str(item.id), str(item.case_id), escape(item.hint),
                      f"{item.due_at:%Y-%m-%d %H:%M}",
                      f"{item.answered_at:%Y-%m-%d %H:%M}" if item.answered_at else "-",
                      "[red]yes[/red]" if item.overdue_at else "-",
                      escape((item.evidence or "")[:60]))
    console.print(table)
    console.print(f"{len(requests)} request(s)")


@bulk_app.command("answer-optin")
def answer_optin(
    request_id: int = typer.Argument(...),
    evidence: str = typer.Option(..., "--evidence",
                                 help="Where the opt-in record is, or what it shows."),
    author: str = typer.Option(..., "--author", help="Who answered for the customer."),
    actor: str | None = ACTOR,
) -> None:
    """Record a customer's opt-in evidence that reached the abuse team by mail."""
    with container_for_command() as container:
        request = container.optin.answer(request_id, evidence=evidence, author=author,
                                         via="staff", recorded_by=actor or default_actor())
    late = " (late)" if request.answered_at and request.answered_at > request.due_at else ""
    console.print(f"request {request.id} answered{late}")


@bulk_app.command("resend-optin")
def resend_optin(
    request_id: int = typer.Argument(..., help="The opt-in evidence request's id."),
    actor: str | None = ACTOR,
) -> None:
    """Queue a failed or suppressed opt-in request notice again (a new notice)."""
    with container_for_command() as container:
        request = container.optin.resend(request_id, actor=actor or default_actor())
    console.print(f"request {request.id}: notice #{request.notice_id} queued to the "
                  "customer's representative")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    bulk_app.add_typer(no_send_app, name="no-send")
    bulk_app.add_typer(affiliates_app, name="affiliates")
    app.add_typer(bulk_app, name="bulk")
