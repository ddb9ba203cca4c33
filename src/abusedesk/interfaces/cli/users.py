"""``abusedesk users`` and ``abusedesk tokens``: staff accounts and API tokens.

The first admin is made here (``abusedesk users add alice --role admin``); after that the
web UI's access page and the API do the same. Passwords are read from the terminal (twice),
from standard input with ``--password-stdin``, or generated with ``--generate`` and printed
once. A token's secret is printed once, when it is made.
"""

from __future__ import annotations

import sys
from datetime import datetime

import typer
from rich.table import Table

from abusedesk.bootstrap import Container
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.values import parse_moment
from abusedesk.services.access import AccessService
from abusedesk.services.access_rules import parse_role
from abusedesk.services.access_secrets import new_password

users_app = typer.Typer(help="Staff users of the web UI.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: staff, customer and partner.", no_args_is_help=True)

RoleOption = typer.Option(..., "--role", "-r", help="analyst, supervisor or admin.")


def access_service(container: Container) -> AccessService:
    # Imported here: the HTTP wiring is not needed by every other CLI command.
    from abusedesk.interfaces.api.wiring import access_service as wired

    return wired(container)


def _read_password(username: str, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be printed)."""
    if generate:
        return new_password(), True
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("no password on standard input")
        return line, False
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask for a password: use --password-stdin or --generate")
    first = typer.prompt(f"password for {username}", hide_input=True)
    second = typer.prompt("again", hide_input=True)
    if first != second:
        raise InvalidInput("the two passwords differ")
    return first, False


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="The sign-in name (letters, digits, . _ - @)."),
    role: str = RoleOption,
    display_name: str | None = typer.Option(None, "--name", help="The name shown in the UI."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from stdin."),
    generate: bool = typer.Option(False, "--generate",
                                  help="Generate a password and print it once."),
) -> None:
    """Add a staff user (the first one should be an admin)."""
    chosen = parse_role(role)
    password, generated = _read_password(username, password_stdin, generate)
    with container_for_command() as container:
        user = access_service(container).add_user(username, password, chosen,
                                                  display_name=display_name)
    console.print(f"added {user.username} ({user.role})")
    if generated:
        console.print(f"password: {password}")


@users_app.command("list")
def list_users() -> None:
    """Every staff user with role and last sign-in."""
    with container_for_command() as container:
        users = access_service(container).users()
    table = Table("user", "name", "role", "created", "last sign-in", "status")
    for user in users:
        table.add_row(user.username, user.display_name, user.role, f"{user.created_at:%Y-%m-%d}",
                      f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "-",
                      "disabled" if user.disabled_at else "active")
    console.print(table)


@users_app.command("passwd")
def passwd(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
    generate: bool = typer.Option(False, "--generate"),
) -> None:
    """Set a user's password; the user's sessions end."""
    password, generated = _read_password(username, password_stdin, generate)
    with container_for_command() as container:
        access_service(container).set_password(username, password)
    console.print(f"password of {username} changed; its sessions are ended")
    if generated:
        console.print(f"password: {password}")


@users_app.command("role")
def set_role(username: str = typer.Argument(...), role: str = typer.Argument(...)) -> None:
    """Give a user another role."""
    with container_for_command() as container:
        user = access_service(container).set_role(username, parse_role(role))
    console.print(f"{user.username} is now {user.role}")


@users_app.command("disable")
def disable(username: str = typer.Argument(...),
            enable: bool = typer.Option(False, "--enable", help="Enable the user again.")) -> None:
    """Disable a user (its sessions end at once), or enable it again."""
    with container_for_command() as container:
        access_service(container).set_disabled(username, not enable)
    console.print(f"{username} {'enabled' if enable else 'disabled'}")


def _expiry(value: str | None) -> datetime | None:
    return parse_moment(value) if value is not None else None


@tokens_app.command("create")
def create(
    name: str = typer.Argument(..., help="Who or what uses the token."),
    role: str | None = typer.Option(None, "--role", "-r", help="A staff token's role."),
    customer: str | None = typer.Option(
        None, "--customer", "-c", help="A customer's or partner's token: its ref or id."),
    expires: str | None = typer.Option(None, "--expires", help="Expiry date or time (UTC)."),
    user: str | None = typer.Option(
        None, "--user", "-u", help="The staff user the token acts as (its role at most theirs)."),
) -> None:
    """Create an API token and print its secret (shown this once)."""
    if (role is None) == (customer is None):
        raise InvalidInput("give either --role (a staff token) or --customer (a customer's)")
    with container_for_command() as container:
        customer_id = container.customers.get(customer).id if customer is not None else None
        issued = access_service(container).create_token(
            name, created_by="cli", role=parse_role(role) if role else None,
            customer_id=customer_id, expires_at=_expiry(expires), user=user)
    scope = issued.stored.role or f"{issued.stored.kind} {customer}"
    console.print(f"token {issued.stored.id} ({scope}) created; store it now, "
                  "it is not shown again:")
    print(issued.secret)


@tokens_app.command("list")
def list_tokens() -> None:
    """Every token (never its secret)."""
    with container_for_command() as container:
        tokens = access_service(container).tokens()
    table = Table("id", "name", "prefix", "kind", "role", "customer", "created", "expires",
                  "last used", "status")
    for token in tokens:
        table.add_row(str(token.id), token.name, token.prefix, token.kind, token.role or "-",
                      str(token.customer_id or "-"), f"{token.created_at:%Y-%m-%d}",
                      f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "-",
                      f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-",
                      "revoked" if token.revoked_at else "active")
    console.print(table)


@tokens_app.command("revoke")
def revoke(token_id: int = typer.Argument(...)) -> None:
    """Revoke a token at once (portal sessions opened with it end too)."""
    with container_for_command() as container:
        access_service(container).revoke_token(token_id)
    console.print(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    """Add ``users`` and ``tokens`` to the abusedesk app."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
