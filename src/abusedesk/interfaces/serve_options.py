"""Options of ``abusedesk serve`` shared by the parts it starts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServeOptions:
    demo: bool = False
