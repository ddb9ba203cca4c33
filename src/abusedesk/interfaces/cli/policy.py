"""``abusedesk policy``: load, publish, show and diff versions of the Acceptable Use Policy."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.values import parse_day, parse_moment
from abusedesk.policies.loader import read_policy_file
from abusedesk.services.policies import InForce, PolicyDiff

policy_app = typer.Typer(help="Versions of the Acceptable Use Policy.", no_args_is_help=True)


@policy_app.command("load")
def load(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Validate a policy file and store it as a new, unpublished version."""
    text = read_policy_file(path)
    with container_for_command() as container:
        stored = container.policies.load(text, source=str(path))
    console.print(f"stored {stored.label} ({len(stored.policy.clauses)} clauses); publish it with "
                  f"`abusedesk policy publish {stored.label} --notice-date YYYY-MM-DD`")


@policy_app.command("publish")
def publish(
    version: str = typer.Argument(..., help="VERSION or KEY:VERSION"),
    notice_date: str = typer.Option(..., "--notice-date", help="Day the notice went to customers."),
    effective: str | None = typer.Option(
        None, "--effective", help="A stated effective date, no earlier than notice + 30 days."),
) -> None:
    """Record the notice of a version and the day it takes effect."""
    with container_for_command() as container:
        stored = container.policies.publish(
            version, notice_date=parse_day(notice_date),
            effective=parse_day(effective) if effective else None)
    assert stored.effective_at is not None
    console.print(f"published {stored.label}: notice {stored.notice_date}, "
                  f"in force from {stored.effective_at:%Y-%m-%d %H:%M} UTC")


@policy_app.command("list")
def list_versions() -> None:
    """Every stored version with its notice and effective dates."""
    with container_for_command() as container:
        versions = container.policies.versions()
    table = Table("version", "title", "loaded", "notice", "effective")
    for stored in versions:
        table.add_row(stored.label, stored.title, f"{stored.loaded_at:%Y-%m-%d}",
                      str(stored.notice_date or "-"),
                      f"{stored.effective_at:%Y-%m-%d}" if stored.effective_at else "unpublished")
    console.print(table)


@policy_app.command("show")
def show(
    at: str | None = typer.Option(None, "--at", help="Date or time; default now."),
    version: str | None = typer.Option(None, "--version", help="Show this version instead."),
    full: bool = typer.Option(False, "--full", help="Each clause's text and report mappings too."),
) -> None:
    """Print the version in force (or a named one) and every clause with its deadline."""
    with container_for_command() as container:
        if version is not None:
            shown = InForce(container.policies.get(version), retroactive=False)
        else:
            shown = container.policies.in_force(parse_moment(at) if at else None)
        promptly = container.settings.promptly_deadline
    _print_policy(shown, promptly=promptly, at=at, full=full)


def _print_policy(shown: InForce, *, promptly: timedelta, at: str | None, full: bool) -> None:
    stored = shown.stored
    policy = stored.policy
    console.print(f"[bold]{policy.title}[/bold] ({stored.label})")
    console.print(f"provider: {policy.provider}; abuse contact: {policy.abuse_contact}")
    if stored.effective_at is not None:
        console.print(f"in force from {stored.effective_at:%Y-%m-%d} (notice {stored.notice_date})")
    if shown.retroactive:
        console.print(f"[yellow]{at} is before every published version; the earliest applies[/]")
    if full:
        for clause in policy.clauses:
            console.print(f"\n[bold]{clause.id}[/bold] {clause.section} {clause.number}: "
                          f"{clause.title}")
            console.print(f"  severity {clause.severity.value}; deadline "
                          f"{clause.deadline.describe(promptly)}; ladder "
                          f"{' > '.join(a.value for a in clause.ladder) or '-'}")
            console.print(f"  maps from: {', '.join(clause.xarf + clause.rsit) or '-'}")
            console.print(f"  {clause.text}", markup=False)
    else:
        table = Table("clause", "title", "severity", "deadline", "ladder")
        table.columns[0].no_wrap = True
        table.columns[3].no_wrap = True
        for clause in policy.clauses:
            table.add_row(clause.id, clause.title, clause.severity.value,
                          clause.deadline.describe(promptly),
                          " > ".join(action.value for action in clause.ladder) or "-")
        console.print(table)
    console.print(f"{len(policy.clauses)} clauses, {len(policy.carriers)} supplemental carriers")


@policy_app.command("export")
def export(
    version: str | None = typer.Argument(None, help="Default: the version in force."),
) -> None:
    """Print a stored version's policy file exactly as it was loaded (to copy and edit)."""
    with container_for_command() as container:
        policies = container.policies
        stored = policies.get(version) if version else policies.in_force().stored
    sys.stdout.write(stored.source_text)


@policy_app.command("diff")
def diff(old: str = typer.Argument(...), new: str = typer.Argument(...)) -> None:
    """Clauses added, removed and changed between two versions."""
    with container_for_command() as container:
        result = container.policies.diff(old, new)
    _print_diff(result)


def _print_diff(result: PolicyDiff) -> None:
    console.print(f"{result.old.label} -> {result.new.label}")
    if result.is_empty:
        console.print("no clause differs")
        return
    for clause in result.added:
        console.print(f"[green]+ {clause.id}[/green] {clause.title}")
    for clause in result.removed:
        console.print(f"[red]- {clause.id}[/red] {clause.title}")
    for change in result.changed:
        console.print(f"[yellow]~ {change.clause_id}[/yellow] changed: {', '.join(change.fields)}")
    for name in result.carriers_added:
        console.print(f"[green]+ carrier[/green] {name}")
    for name in result.carriers_removed:
        console.print(f"[red]- carrier[/red] {name}")
    for key in result.not_violations_added:
        console.print(f"[green]+ not a violation[/green] {key}")
    for key in result.not_violations_removed:
        console.print(f"[red]- not a violation[/red] {key} (now a violation or unmapped)")


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
