"""The ``abusedesk`` command: one Typer app, each command group in a module of its own.

Each module listed in ``COMMAND_MODULES`` exposes ``register(app)``; errors of the
``AbuseDeskError`` tree are turned into messages and exit codes here, in one place.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
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
    StorageError,
    TooManyAttempts,
)

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

err_console = Console(stderr=True)


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


def run(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    app = build_app()
    try:
        # Outside standalone mode click returns typer.Exit's code instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except AbuseDeskError as error:
        err_console.print(Text("error: ", style="bold red") + Text(str(error)), highlight=False)
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
