"""One input through the whole scan: walk it, look for PII in its text, match signatures.

``Scanner.scan`` never raises on bad input: what cannot be opened or scanned is listed in
the result's ``unscanned`` with the reason. PII is looked for in items that read as text
(no NUL byte near the start), up to ``max_part_bytes`` characters; signatures are matched
against every item's bytes by each engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from abusedesk.domain.errors import AbuseDeskError
from abusedesk.parsers.limits import DEFAULT_LIMITS, Limits
from abusedesk.parsers.mime import decode_bytes
from abusedesk.scanning.engines import SignatureEngine, SignatureHit
from abusedesk.scanning.findings import Finding, FindingKind
from abusedesk.scanning.pii import DETECTORS, Detector, find_pii
from abusedesk.scanning.walk import Item, Unscanned, walk

#: Bytes looked at to tell text from binary content.
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one input held: findings (masked), items scanned, and what was not scanned."""

    name: str
    sha256: str
    size: int
    items: int
    findings: tuple[Finding, ...]
    unscanned: tuple[Unscanned, ...] = ()

    def of_kind(self, kind: FindingKind) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.kind is kind)


@dataclass(frozen=True, slots=True)
class Scanner:
    """PII detectors and signature engines, with the bounds they run within."""

    engines: Sequence[SignatureEngine] = ()
    detectors: Sequence[Detector] = DETECTORS
    limits: Limits = field(default=DEFAULT_LIMITS)
    pii: bool = True

    def scan(self, name: str, data: bytes) -> ScanResult:
        """Scan ``data`` (the input called ``name``); see the module docstring."""
        items: list[Item] = []
        unscanned: list[Unscanned] = []
        for found in walk(name, data, self.limits):
            if isinstance(found, Item):
                items.append(found)
            else:
                unscanned.append(found)
        findings: list[Finding] = []
        if self.pii:
            for item in items:
                findings += self._pii(item, unscanned)
        for engine in self.engines:
            try:
                hits = engine.scan(items)
            except AbuseDeskError as error:
                unscanned.append(Unscanned(name, f"{engine.name}: {error}"))
                continue
            findings += [_signature_finding(items[hit.index], hit) for hit in hits]
        return ScanResult(name, hashlib.sha256(data).hexdigest(), len(data), len(items),
                          tuple(findings), tuple(unscanned))

    def _pii(self, item: Item, unscanned: list[Unscanned]) -> list[Finding]:
        if b"\x00" in item.data[:_SNIFF]:
            return []  # binary content: its "digits" are noise
        limit = self.limits.max_part_bytes
        if len(item.data) > limit:
            unscanned.append(Unscanned(item.location, f"only the first {limit} bytes were "
                                                      "searched for private data"))
        text = decode_bytes(item.data[:limit], "utf-8")
        return [
            Finding(FindingKind.PRIVATE_DATA, hit.detector, hit.masked, item.location,
                    hit.offset, text.count("\n", 0, hit.offset) + 1, hit.confidence, hit.label)
            for hit in find_pii(text, self.detectors)
        ]


def _signature_finding(item: Item, hit: SignatureHit) -> Finding:
    return Finding(FindingKind.MALWARE, hit.engine, hit.signature, item.location, hit.offset,
                   None, 1.0, hit.description)
