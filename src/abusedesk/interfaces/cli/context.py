"""What every CLI command shares: one console, and the container for this invocation.

On a terminal the console fits tables and text to the window, as rich does. Into a pipe or
a file it never wraps or cuts a line (whatever the width of a terminal elsewhere, or
``COLUMNS``, says): each table row stays one line, for ``grep``, ``cut`` and ``awk``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, ConsoleDimensions

from abusedesk.bootstrap import Container, build_container, open_container
from abusedesk.config import load_settings

#: The width lines may take when the output is not a terminal: in practice, no limit.
UNBOUNDED_WIDTH = 1_000_000


class CommandConsole(Console):
    """A rich console that wraps and cuts only on a terminal (see the module docstring)."""

    @property
    def size(self) -> ConsoleDimensions:
        fitted = super().size
        if self.is_terminal:
            return fitted
        return ConsoleDimensions(UNBOUNDED_WIDTH, fitted.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


console = CommandConsole(highlight=False)


@contextmanager
def container_for_command(*, prepare: bool = True, **overrides: Any) -> Iterator[Container]:
    """The wired container, closed afterwards.

    ``prepare`` opens it the usual way (embedded databases are migrated on first use);
    without it the schema is left alone, for the ``db`` commands themselves. ``overrides``
    replace settings for this command only.
    """
    settings = load_settings(**overrides)
    container = open_container(settings) if prepare else build_container(settings)
    try:
        yield container
    finally:
        container.close()
