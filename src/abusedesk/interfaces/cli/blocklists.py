"""``abusedesk blocklists``: check an address or domain, sweep customer assets, show the state.

Exit codes of ``check`` and ``sweep``: 0 nothing listed and every lookup answered; 10 at
least one listing; 11 nothing listed but some lookups failed (so "clean" is not proven).
Input and configuration errors keep the codes of ``main.EXIT_CODES`` (another recorded
sweep running: 5, as every conflict).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from abusedesk.adapters.dns.dnsbl_resolver import parse_resolver
from abusedesk.adapters.dns.zone_file import load_zones
from abusedesk.domain.blocklists import ListingStatus
from abusedesk.domain.blocklists_zones import LookupResult, Outcome, Zone, ZoneHealthStatus
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.workers.blocklists import blocklist_monitor
from abusedesk.services.blocklist_monitor import BlocklistMonitor, MonitorReport, StatusReport
from abusedesk.services.blocklist_sweep import (
    StaticAssets,
    SweepOptions,
    SweepPlan,
    SweepSummary,
    read_targets,
    select_zones,
)

EXIT_LISTED = 10
EXIT_INCOMPLETE = 11
_LISTED_SHOWN = 20
_TIME = "%Y-%m-%d %H:%M"

blocklists_app = typer.Typer(help="DNS blocklists: check, sweep customer assets, status, zones.",
                             no_args_is_help=True)

ZoneNames = Annotated[list[str] | None, typer.Option(
    "--zone", "-z", help="Zone name to use (repeatable); default: every enabled zone.")]
ZonesFile = Annotated[Path | None, typer.Option(
    "--zones-file", help="Zone list (TOML); default: the setting, else the built-in list.")]
Resolver = Annotated[str | None, typer.Option(
    "--resolver", help="Ask this nameserver (ADDRESS:PORT) for every zone.")]
Timeout = Annotated[float | None, typer.Option(
    "--timeout", min=0.05, max=60, help="Seconds per attempt, for every zone.")]
NoHealthCheck = Annotated[bool, typer.Option(
    "--no-health-check", help="Skip the RFC 5782 test of each zone.")]


def _monitor(base: BlocklistMonitor, zones_file: Path | None, names: list[str] | None,
             resolver: str | None, timeout: float | None, no_health_check: bool,
             **tuning: Any) -> BlocklistMonitor:
    """``base`` with the zones chosen and tuned on the command line."""
    zones = load_zones(zones_file) if zones_file is not None else base.zones
    chosen = select_zones(zones, names or ())
    if resolver is not None:
        parse_resolver(resolver)  # refuse a malformed address before any query
    changes = {name: value for name, value in
               {"resolver": resolver, "timeout": timeout, **tuning}.items() if value is not None}
    tuned: list[Zone] = [replace(zone, **changes) for zone in chosen]
    return base.using(zones=tuned, options=SweepOptions(health_check=not no_health_check))


@contextmanager
def _interruptible() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        raise typer.Abort() from None


def result_as_json(result: LookupResult) -> dict[str, Any]:
    """One lookup result as a JSON object (the line format of ``sweep --output``)."""
    return {
        "zone": result.zone, "entry": result.entry, "asset": result.asset, "ref": result.ref,
        "outcome": result.outcome.value, "codes": list(result.codes),
        "meanings": list(result.meanings), "txt": list(result.txt), "query": result.query,
        "evidence": result.evidence, "error": result.error.value if result.error else None,
        "detail": result.detail, "checked_at": result.checked_at.isoformat(),
    }


def _describe(result: LookupResult) -> str:
    if result.outcome is Outcome.LISTED:
        return _listing_text(result.codes, result.meanings, result.txt)
    if result.outcome is Outcome.ERROR:
        return result.failure
    return ""


def _listing_text(codes: tuple[str, ...], meanings: tuple[str, ...],
                  txt: tuple[str, ...]) -> str:
    parts = [f"{code} {meaning}" for code, meaning in zip(codes, meanings, strict=False)]
    return "; ".join(parts + [f'TXT "{text}"' for text in txt])


def _finish(listed: int, errors: int) -> None:
    # SystemExit rather than typer.Exit: main.run calls the app with standalone_mode=False,
    # where click returns an Exit's code instead of leaving with it.
    if listed:
        raise SystemExit(EXIT_LISTED)
    if errors:
        raise SystemExit(EXIT_INCOMPLETE)


@blocklists_app.command("check")
def check(
    target: Annotated[str, typer.Argument(help="An IPv4 or IPv6 address, or a domain name.")],
    zone: ZoneNames = None,
    zones_file: ZonesFile = None,
    resolver: Resolver = None,
    timeout: Timeout = None,
    no_health_check: NoHealthCheck = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Look one address or domain up in every zone that lists its kind (nothing is stored)."""
    with container_for_command(prepare=False) as container:
        monitor = _monitor(container.blocklists, zones_file, zone, resolver, timeout,
                           no_health_check)
        with _interruptible():
            report = asyncio.run(monitor.check(target))
    listed = sum(result.listed for result in report.results)
    errors = sum(result.outcome is Outcome.ERROR for result in report.results)
    if as_json:
        print(json.dumps({
            "entry": report.entry,
            "health": {name: {"status": h.status.value, "detail": h.detail}
                       for name, h in report.health.items()},
            "results": [result_as_json(result) for result in report.results],
        }, indent=2))
    else:
        table = Table("zone", "result", "details", title=f"{report.entry}")
        for result in report.results:
            style = {"listed": "bold red", "error": "yellow"}.get(result.outcome.value, "green")
            table.add_row(result.zone, f"[{style}]{result.outcome}[/]", _describe(result))
        console.print(table)
        console.print(f"{listed} listing(s), {errors} failed lookup(s) "
                      f"in {len(report.results)} zone(s)")
    _finish(listed, errors)


@blocklists_app.command("sweep")
def sweep(
    targets: Annotated[list[str] | None, typer.Argument(
        help="Addresses, prefixes (CIDR) or domains; default: every customer asset.")] = None,
    targets_file: Annotated[Path | None, typer.Option(
        "--file", "-f", help="Targets, one per line ('-': standard input).")] = None,
    zone: ZoneNames = None,
    zones_file: ZonesFile = None,
    resolver: Resolver = None,
    timeout: Timeout = None,
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", min=1, max=4096, help="Queries in flight per zone.")] = None,
    rate_limit: Annotated[float | None, typer.Option(
        "--rate-limit", min=0, help="Queries per second per zone (0: no limit).")] = None,
    no_health_check: NoHealthCheck = False,
    no_record: Annotated[bool, typer.Option(
        "--no-record", help="A dry look: store nothing, open and resolve no case.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write every result to this file as JSON lines.")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
) -> None:
    """Sweep the customers' prefixes and domains (or the targets given) against the zones;
    record the listings, with their cases; print a summary and the listings."""
    source, unreadable = _source(targets, targets_file)
    record = not no_record
    listed: list[LookupResult] = []
    try:
        sink_file = output.open("w", encoding="utf-8") if output else None
    except OSError as error:
        raise InvalidInput(f"cannot write results to {output}: {error.strerror}") from None

    def sink(result: LookupResult) -> None:
        if result.listed:
            listed.append(result)
        if sink_file is not None:
            sink_file.write(json.dumps(result_as_json(result)) + "\n")

    progress = Progress(TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=console,
                        disable=no_progress or not console.is_terminal)
    bar = progress.add_task("sweep", total=None)

    def on_plan(plan: SweepPlan) -> None:
        progress.update(bar, total=plan.queries)

    try:
        with container_for_command(prepare=record or source is None) as container:
            base = blocklist_monitor(container) if record else container.blocklists
            monitor = _monitor(base, zones_file, zone, resolver, timeout, no_health_check,
                               concurrency=concurrency, rate_limit=rate_limit)
            with _interruptible(), progress:
                report = asyncio.run(monitor.sweep(
                    source, record=record, trigger="cli", sink=sink, on_plan=on_plan,
                    progress=lambda done: progress.advance(bar, done)))
    finally:
        if sink_file is not None:
            sink_file.close()
    summary = report.summary
    summary.rejected[:0] = unreadable
    if source is None and not summary.targets and not summary.rejected:
        console.print("no customer holds a prefix or domain a selected zone lists: "
                      "nothing to sweep (import customers, or name targets)")
    _print_summary(summary, listed, output)
    _print_record(report)
    _finish(summary.listed, summary.errors + len(summary.rejected))


def _source(targets: list[str] | None, targets_file: Path | None
            ) -> tuple[StaticAssets | None, list[tuple[str, str]]]:
    """The targets named on the command line or in a file; None: the customers' assets."""
    if not targets and targets_file is None:
        return None, []
    lines = list(targets or [])
    if targets_file is not None:
        try:
            text = sys.stdin.read() if str(targets_file) == "-" else targets_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"cannot read targets from {targets_file}: {error}") from None
        lines.extend(text.splitlines())
    parsed, unreadable = read_targets(lines)
    if not parsed and not unreadable:
        raise InvalidInput("no target given: name addresses, prefixes or domains, or use "
                           "--file (or name none to sweep every customer asset)")
    return StaticAssets(parsed), unreadable


def _print_summary(summary: SweepSummary, listed: list[LookupResult], output: Path | None) -> None:
    table = Table("zone", "health", "lookups", "listed", "not listed", "failed", "seconds",
                  title=f"{summary.targets} target(s), {summary.queries:,} lookups in "
                        f"{summary.seconds:.1f}s ({summary.rate:,.0f}/s)")
    for tally in summary.zones.values():
        failed = ", ".join(f"{kind} {count}" for kind, count in tally.errors.most_common()) or "0"
        health = tally.health.status.value
        if tally.health.status not in (ZoneHealthStatus.HEALTHY, ZoneHealthStatus.UNCHECKED):
            health += f" ({tally.health.detail})"
        table.add_row(tally.zone, health, f"{tally.queries:,}", f"{tally.listed:,}",
                      f"{tally.not_listed:,}", failed, f"{tally.seconds:.1f}")
    console.print(table)
    if listed:
        shown = Table("zone", "entry", "asset", "listing", title="listings")
        for result in listed[:_LISTED_SHOWN]:
            shown.add_row(result.zone, result.entry, result.asset, _describe(result))
        console.print(shown)
        if len(listed) > _LISTED_SHOWN:
            more = f"; all are in {output}" if output else "; use --output to keep them all"
            console.print(f"... and {len(listed) - _LISTED_SHOWN} more listing(s){more}")
    for target, reason in summary.rejected:
        console.print(f"[yellow]not swept[/]: {target}: {reason}")
    console.print(f"{summary.listed:,} listing(s), {summary.errors:,} failed lookup(s), "
                  f"{len(summary.rejected)} target(s) not swept")


def _print_record(report: MonitorReport) -> None:
    """What a recorded sweep changed: transitions and what each did to cases."""
    for reason, count in report.skipped.items():
        console.print(f"left out: {count} customer asset(s): {reason}")
    if report.record is None:
        return
    changes = report.recovered + report.changes
    if changes:
        table = Table("zone", "entry", "change", "codes", "case", title="listing changes")
        for change in changes:
            table.add_row(change.zone, change.entry, change.transition.value,
                          ", ".join(change.codes), change.outcome or "pending")
        console.print(table)
    counts = ", ".join(f"{name} {count}" for name, count in report.record.changes.items())
    console.print(f"recorded as sweep {report.record.id}: {counts or 'no change of state'}; "
                  f"failed lookups changed nothing")


@blocklists_app.command("status")
def status(
    target: Annotated[str | None, typer.Argument(
        help="An address, prefix or domain: its listings and their history.")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="Every entry ever listed, not only those listed now.")] = False,
) -> None:
    """The stored listing state: what is listed, since when, and the case it went to."""
    with container_for_command() as container:
        report = container.blocklists.status(target, everything=everything)
    _print_status(report, target)


def _print_status(report: StatusReport, target: str | None) -> None:
    title = f"listings of {target}" if target else "listed now"
    table = Table("entry", "zone", "status", "since", "first listed", "times",
                  "last checked", "listing", "case", title=title)
    for view in report.listings:
        listing = view.listing
        listed = listing.status is ListingStatus.LISTED
        since = listing.listed_since if listed else listing.delisted_at
        style = "bold red" if listed else "green"
        table.add_row(listing.entry, listing.zone, f"[{style}]{listing.status.value}[/]",
                      f"{since:{_TIME}}" if since else "", f"{listing.first_listed_at:{_TIME}}",
                      str(listing.listings), f"{listing.last_checked:{_TIME}}",
                      _listing_text(listing.codes, listing.meanings, listing.txt),
                      view.case or "")
    console.print(table if report.listings else f"{title}: nothing")
    if report.changes:
        history = Table("seen (UTC)", "zone", "entry", "change", "codes", "case",
                        title="history")
        for change in report.changes:
            history.add_row(f"{change.observed_at:{_TIME}}", change.zone, change.entry,
                            change.transition.value, ", ".join(change.codes),
                            change.outcome or "pending")
        console.print(history)
    for record in report.sweeps:
        finished = f" until {record.finished_at:{_TIME}}" if record.finished_at else ""
        console.print(f"sweep {record.id} ({record.trigger}, {record.scope}) "
                      f"{record.started_at:{_TIME}}{finished} UTC: {record.status}, "
                      f"{record.queries:,} lookups, {record.listed:,} listed, "
                      f"{record.errors:,} failed" + (f"; {record.detail}" if record.detail else ""))


@blocklists_app.command("zones")
def zones_command(zones_file: ZonesFile = None) -> None:
    """List the configured zones and what they take."""
    with container_for_command(prepare=False) as container:
        zones = load_zones(zones_file) if zones_file is not None else container.blocklists.zones
    table = Table("zone", "domain", "kinds", "enabled", "resolver", "rate/s", "description")
    for zone in zones:
        table.add_row(zone.name, zone.domain, ", ".join(sorted(zone.kinds)),
                      "yes" if zone.enabled else "no", zone.resolver,
                      f"{zone.rate_limit:g}" if zone.rate_limit else "-", zone.description)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    app.add_typer(blocklists_app, name="blocklists")
