"""Repositories: the domain ports over SQLAlchemy sessions, one module per area."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Values per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits.
IN_LIST_SIZE = 500


def in_chunks(values: Collection[T]) -> Iterator[list[T]]:
    """``values`` in lists of at most ``IN_LIST_SIZE``, one ``IN (...)`` list each."""
    items = list(values)
    for start in range(0, len(items), IN_LIST_SIZE):
        yield items[start:start + IN_LIST_SIZE]
