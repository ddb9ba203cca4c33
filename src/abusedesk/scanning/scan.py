"""One input through the whole scan: walk it, look for PII in its text, match signatures.

``Scanner.scan`` never raises on bad input: what cannot be opened or scanned is listed in
the result's ``unscanned`` with the reason. PII is looked for in items that read as text
(``scanning.text``: UTF-8, Latin-1, UTF-16/32), in their first ``max_part_bytes`` bytes,
and at most ``max_findings`` findings are looked for per detector and kept per item (a
reason says so); signatures are matched against every item's bytes by each engine.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from abusedesk.domain.complaints import sha256_hex
from abusedesk.domain.errors import AbuseDeskError
from abusedesk.parsers.limits import DEFAULT_LIMITS, Limits
from abusedesk.scanning.engines import SignatureEngine, SignatureHit
from abusedesk.scanning.findings import Finding, FindingKind
from abusedesk.scanning.pii import DETECTORS, Detector, find_pii
from abusedesk.scanning.text import as_text
from abusedesk.scanning.walk import Item, Unscanned, walk

#: Findings kept for one item: a mailing-list archive holds hundreds of thousands of
#: addresses, and a case needs a sample, not all of them.
MAX_FINDINGS = 10_000


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
    max_findings: int = MAX_FINDINGS

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
                unscanned.append(Unscanned(name, f"{engine.name}: {error}", failed=True))
                continue
            findings += [_signature_finding(items[hit.index], hit) for hit in hits]
        return ScanResult(name, sha256_hex(data), len(data), len(items),
                          tuple(findings), tuple(unscanned))

    def _pii(self, item: Item, unscanned: list[Unscanned]) -> list[Finding]:
        limit = self.limits.max_part_bytes
        text = as_text(item.data[:limit])
        if text is None:
            return []  # binary content: its "digits" are noise
        if len(item.data) > limit:
            unscanned.append(Unscanned(item.location, f"only the first {limit} bytes were "
                                                      "searched for private data"))
        hits = find_pii(text, self.detectors, limit=self.max_findings + 1)
        if len(hits) > self.max_findings:
            unscanned.append(Unscanned(item.location, f"more than {self.max_findings} private "
                                                      "data findings; the rest not looked for"))
            hits = hits[: self.max_findings]
        line_starts = _line_starts(text, hits[-1].offset if hits else 0)
        return [
            Finding(FindingKind.PRIVATE_DATA, hit.detector, hit.masked, item.location,
                    hit.offset, bisect_right(line_starts, hit.offset), hit.confidence,
                    hit.label)
            for hit in hits
        ]


def _line_starts(text: str, until: int) -> list[int]:
    """Offsets where lines start, up to ``until``: line numbers for every hit in one pass."""
    starts = [0]
    position = text.find("\n", 0, until)
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1, until)
    return starts


def _signature_finding(item: Item, hit: SignatureHit) -> Finding:
    return Finding(FindingKind.MALWARE, hit.engine, hit.signature, item.location, hit.offset,
                   None, 1.0, hit.description)
