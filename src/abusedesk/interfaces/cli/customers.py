"""``abusedesk customers``: import, export, list and show customers and their assets."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from abusedesk.domain.customers_values import format_deadline
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.services.customers import CustomerDetails, sample_text
from abusedesk.services.customers_files import detect_format
from abusedesk.services.customers_import import ImportReport

customers_app = typer.Typer(help="Customers, their assets and agreements.", no_args_is_help=True)


@customers_app.command("import")
def import_customers(
    path: Path | None = typer.Argument(None, exists=True, dir_okay=False, readable=True,
                                       help="A JSON or CSV file (docs/customers.md)."),
    fmt: str | None = typer.Option(None, "--format", help="json or csv; default: by extension."),
    partial: bool = typer.Option(False, "--partial",
                                 help="Import the good records even when others are rejected."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; change nothing."),
    sample: bool = typer.Option(False, "--sample", help="Import the bundled fictional sample."),
) -> None:
    """Create or update customers from a file; re-importing the same file changes nothing."""
    if sample == (path is not None):
        raise InvalidInput("give either a FILE or --sample")
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"{path} is not UTF-8 text ({error.reason} at byte "
                               f"{error.start})") from None
        source = str(path)
    else:
        text, source = sample_text(), "the bundled sample"
    chosen = (fmt or detect_format(source, text)).lower()
    with container_for_command() as container:
        report = container.customers.import_text(text, fmt=chosen, partial=partial,
                                                 dry_run=dry_run)
    _print_report(report, source, partial=partial)
    if report.errors and not partial:
        raise InvalidInput(f"{len(report.errors)} error(s) in {source}: nothing was imported; "
                           "fix them, or import the rest with --partial")


def _print_report(report: ImportReport, source: str, *, partial: bool) -> None:
    for error in report.errors:
        console.print(f"rejected: {error}", markup=False)
    if report.errors and not partial:
        return  # nothing was (or would be) imported
    verb = "would import" if report.dry_run else "imported"
    console.print(f"{verb} {source}: {len(report.created)} created, {len(report.updated)} "
                  f"updated, {len(report.unchanged)} unchanged; assets: {report.assets_added} "
                  f"added, {report.assets_changed} changed, {len(report.moves)} moved, "
                  f"{len(report.released)} released", markup=False)
    for move in report.moves:
        console.print(f"moved: {move.value} from {move.from_ref} to {move.to_ref} at "
                      f"{move.at:%Y-%m-%d %H:%M} UTC", markup=False)
    for ref, value, at in report.released:
        console.print(f"released: {value} by {ref} at {at:%Y-%m-%d %H:%M} UTC", markup=False)
    if report.rejected_refs:
        console.print(f"not imported: {', '.join(report.rejected_refs)}", markup=False)


@customers_app.command("export")
def export_customers(
    fmt: str = typer.Option("json", "--format", help="json (complete) or csv (no agreements "
                                                     "or consents)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
) -> None:
    """Write every customer and asset window in the import format."""
    with container_for_command() as container:
        text = container.customers.export(fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


@customers_app.command("list")
def list_customers(
    partner: str | None = typer.Option(None, "--partner", help="Only this partner's customers."),
) -> None:
    """Every customer: kind, partner, representative, and who is notified."""
    with container_for_command() as container:
        summaries = container.customers.summaries(partner=partner)
    table = Table("ref", "name", "kind", "partner", "representative", "notify", "assets now")
    table.columns[0].no_wrap = True
    for item in summaries:
        rep = item.customer.representative
        table.add_row(item.customer.ref, item.customer.name, item.customer.kind.value,
                      item.parent_ref or "-", rep.email if rep else "-", item.notify_ref,
                      str(item.open_assets))
    console.print(table)
    console.print(f"{len(summaries)} customers")


@customers_app.command("show")
def show_customer(ref: str = typer.Argument(..., help="The customer's ref or id.")) -> None:
    """One customer: representative, hierarchy, agreement, consents, assets, binding policy."""
    with container_for_command() as container:
        details = container.customers.details(ref)
    _print_details(details)


def _print_details(details: CustomerDetails) -> None:
    customer = details.customer
    out = console.print
    out(f"[bold]{customer.ref}[/bold] {customer.name} ({customer.kind.value}, id {customer.id})")
    if details.parent is not None:
        out(f"partner: {details.parent.ref} {details.parent.name}", markup=False)
    out(f"notices go to: {details.notify.ref} {details.notify.name}", markup=False)
    if details.children:
        out("customers: " + ", ".join(f"{c.ref} {c.name}" for c in details.children), markup=False)
    rep = customer.representative
    if rep is None:
        out("representative: none on record")
    else:
        verified = f"verified {rep.verified_at:%Y-%m-%d}" if rep.verified_at else "never verified"
        phone = f" {rep.phone}" if rep.phone else ""
        out(f"representative: {rep.name or '-'} <{rep.email}>{phone} ({verified})", markup=False)
    out(f"carriers: {', '.join(customer.carriers) or '-'}")
    agreement = customer.agreement
    out(f"agreement: resale {'allowed' if agreement.resale_allowed else 'not allowed'}")
    for terms in agreement.clauses:
        parts = []
        if terms.deadline is not None:
            parts.append(f"deadline {format_deadline(terms.deadline)}")
        if terms.ladder is not None:
            parts.append("ladder " + " > ".join(a.value for a in terms.ladder))
        out(f"  {terms.clause_id}: {'; '.join(parts)}", markup=False)
    for consent in customer.consents:
        until = f"{consent.valid_until:%Y-%m-%d}" if consent.valid_until else "no end"
        out(f"consent: {consent.kind} over {', '.join(consent.scope)} from "
            f"{consent.valid_from:%Y-%m-%d} until {until}, granted by {consent.granted_by}"
            f"{f' ({consent.document})' if consent.document else ''}", markup=False)
    binding = details.binding
    if binding.stored is None:
        out("policy: none published")
    else:
        noticed = (f"noticed {binding.noticed_at:%Y-%m-%d}" if binding.noticed_at
                   else "no notice on record")
        out(f"bound by policy {binding.stored.label} (in force from "
            f"{binding.stored.effective_at:%Y-%m-%d}; {noticed})", markup=False)
    for pending, noticed_at in binding.pending:
        out(f"next: {pending.label} takes effect {pending.effective_at:%Y-%m-%d} (noticed "
            f"{noticed_at:%Y-%m-%d})", markup=False)
    table = Table("kind", "asset", "from", "until")
    for asset in details.assets:
        table.add_row(asset.kind.value, asset.value,
                      f"{asset.valid_from:%Y-%m-%d %H:%M}" if asset.valid_from else "always",
                      f"{asset.valid_until:%Y-%m-%d %H:%M}" if asset.valid_until else "-")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    app.add_typer(customers_app, name="customers")
