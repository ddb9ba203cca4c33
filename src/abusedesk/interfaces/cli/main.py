"""The ``abusedesk`` command: one Typer app, each command group in a module of its own.

Each module listed in ``COMMAND_MODULES`` exposes ``register(app)``; errors of the
``AbuseDeskError`` tree are turned into messages and exit codes here, in one place, where
the channel-neutral message of an error with a ``Remedy`` gets the command to run added.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.text import Text

from abusedesk.domain.errors import (
    AbuseDeskError,
    AccessDenied,
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    ParseError,
    PolicyError,
    Remedy,
    StorageError,
    TooManyAttempts,
)
from abusedesk.interfaces.cli.context import CommandConsole

COMMAND_MODULES = (
    "db",
    "policy",
    "worker",
    "parse",
    "customers",
    "resolve",
    "intake",
    "complaints",
    "cases",
    "audit",
    "blocklists",
    "bulk",
    "serve",
    "users",
    "shadowserver",
    "scan",
)

#: Exit codes by error class; the first matching class wins.
EXIT_CODES: tuple[tuple[type[AbuseDeskError], int], ...] = (
    (InvalidInput, 2),
    (PolicyError, 3),
    (NotFound, 4),
    (Conflict, 5),
    (ParseError, 6),
    (StorageError, 7),
    (ConfigurationError, 8),
    (NotAuthenticated, 9),
    (AccessDenied, 9),
    (TooManyAttempts, 9),
    (AbuseDeskError, 1),
)

#: The CLI's words for each remedy, formatted with the error's context.
REMEDY_HINTS: dict[Remedy, str] = {
    Remedy.FIND_CASE: "`abusedesk cases list` shows the cases",
    Remedy.FIND_CUSTOMER: "`abusedesk customers list` shows them",
    Remedy.PUBLISH_POLICY: "run `abusedesk policy load FILE`, then `abusedesk policy publish "
                           "VERSION`",
    Remedy.ENFORCE: "`abusedesk cases enforce {case} {action}` requests it",
    Remedy.CHOOSE_ZONE: "`abusedesk blocklists zones` lists them; name one with --zone",
}

err_console = CommandConsole(stderr=True)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="abusedesk",
        help="Run a service provider's Acceptable Use Policy end to end.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"abusedesk.interfaces.cli.{name}")
        module.register(app)
    return app


def exit_code_for(error: AbuseDeskError) -> int:
    for error_class, code in EXIT_CODES:
        if isinstance(error, error_class):
            return code
    return 1


def message_for(error: AbuseDeskError) -> str:
    """The error's message, with the command that helps when it points to one."""
    hint = REMEDY_HINTS.get(error.remedy) if error.remedy is not None else None
    try:
        hint = hint.format(**error.context) if hint else None
    except (KeyError, IndexError):  # context missing: the plain message is still right
        hint = None
    return f"{error}; {hint}" if hint else str(error)


def run(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    app = build_app()
    try:
        # Outside standalone mode click returns typer.Exit's code instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except AbuseDeskError as error:
        err_console.print(Text("error: ", style="bold red") + Text(message_for(error)),
                          highlight=False)
        sys.exit(exit_code_for(error))
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except typer.TyperException as error:  # usage errors: a bad option, a missing argument
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            err_console.print(Text("error: ", style="bold red") + Text(error.format_message()))
        sys.exit(error.exit_code)
    if isinstance(code, int) and code != 0:
        sys.exit(code)


if __name__ == "__main__":
    run()
