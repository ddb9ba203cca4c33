"""Signature engines: what the scanner asks of YARA, ClamAV or any other matcher.

An engine looks at every leaf item of one input at once (ClamAV loads its database once
per run, so it is asked once, not per item) and says which items matched which signature.
An engine that cannot run raises ``ScanError``; the scanner records the items as
not scanned by that engine and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from abusedesk.scanning.walk import Item


@dataclass(frozen=True, slots=True)
class SignatureHit:
    """Item ``index`` (of the sequence scanned) matched ``signature``."""

    index: int
    engine: str
    signature: str
    offset: int | None = None
    description: str | None = None


class SignatureEngine(Protocol):
    """Matches items against malware signatures."""

    @property
    def name(self) -> str: ...

    def scan(self, items: Sequence[Item]) -> Sequence[SignatureHit]: ...
