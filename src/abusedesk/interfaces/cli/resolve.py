"""``abusedesk resolve``: which customer held an address, name, URL or e-mail domain."""

from __future__ import annotations

import typer

from abusedesk.domain.customers_values import parse_query
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.values import parse_moment


def resolve(
    value: str = typer.Argument(..., help="IP address, host name, URL or e-mail address."),
    at: str | None = typer.Option(None, "--at", help="When the event happened (date or ISO "
                                                     "8601 time, UTC if no zone); default now."),
) -> None:
    """Print the customer that held VALUE at the time, the asset that matched, and who is
    notified. Something that is not ours is printed as "not ours" with the reason."""
    parse_query(value)  # an unreadable value is a usage error (exit 2), not "not ours"
    with container_for_command() as container:
        moment = parse_moment(at) if at else container.clock.now()
        result = container.resolver.resolve(value, at=moment)
    out = console.print
    out(f"{value} at {result.at:%Y-%m-%d %H:%M:%S} UTC", markup=False)
    if not result.is_ours:
        out(f"not ours: {result.reason}", markup=False)
        return
    window = (f"from {result.valid_from:%Y-%m-%d %H:%M}" if result.valid_from else "from always")
    window += f" until {result.valid_until:%Y-%m-%d %H:%M}" if result.valid_until else ", open"
    out(f"customer: {result.customer_ref} {result.customer_name} (id {result.customer_id})",
        markup=False)
    out(f"matched: {result.asset_kind} {result.matched} ({window}; asset {result.asset_id})",
        markup=False)
    out(f"notify: {result.notify_customer_ref} {result.notify_customer_name} "
        f"(id {result.notify_customer_id})", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    app.command("resolve")(resolve)
