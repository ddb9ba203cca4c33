"""What every CLI command shares: one console, and the container for this invocation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from abusedesk.bootstrap import Container, build_container, open_container
from abusedesk.config import load_settings

console = Console(highlight=False)


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
