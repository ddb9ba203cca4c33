"""Options of ``abusedesk serve`` shared by the parts it starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DemoOutbox:
    """Where the demo keeps outgoing mail when no relay answers (see smtpd/outbox.py)."""

    directory: Path
    port: int


@dataclass(frozen=True, slots=True)
class ServeOptions:
    demo: bool = False
    outbox: DemoOutbox | None = None
