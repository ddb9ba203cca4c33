"""A scan's findings as XARF v4 reports, one per input and kind of finding.

Private data becomes ``content/exposed_data`` and malware ``content/malware``: the pairs
the reference policy maps to content.7 (Private Information) and content.8 (Viruses, with
conduct.3b). The report names the asset the content was found on as its source, carries
the findings already masked (never a full card number, IBAN or ID number) and the SHA-256
of the scanned input, and is stored like any complaint: the stored document is the scan's
evidence. Its report id is derived from the kind, the input's digest and the asset, so
scanning the same content again on the same asset is recorded as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import urlsplit

from abusedesk.domain.clock import as_utc
from abusedesk.scanning.findings import FindingKind
from abusedesk.scanning.scan import ScanResult

XARF_VERSION = "4.2.0"
#: The XARF category/type of each kind of finding.
XARF_PAIRS: dict[FindingKind, tuple[str, str]] = {
    FindingKind.PRIVATE_DATA: ("content", "exposed_data"),
    FindingKind.MALWARE: ("content", "malware"),
}
_WHAT = {FindingKind.PRIVATE_DATA: "private data", FindingKind.MALWARE: "malware"}
#: Findings listed in one report at most (the count says how many there were).
MAX_LISTED = 200


def source_of(asset: str) -> tuple[str, str | None]:
    """(XARF ``source_identifier``, ``url``) for an asset given as address, name or URL."""
    if "://" in asset:
        host = urlsplit(asset).hostname
        if host:
            return host, asset
    return asset, None


def report_id(kind: FindingKind, result: ScanResult, asset: str) -> str:
    digest = hashlib.sha256(f"{kind.value}|{result.sha256}|{asset}".encode()).hexdigest()
    return f"abusedesk-scan-{digest[:32]}"


def xarf_report(result: ScanResult, kind: FindingKind, *, asset: str, at: datetime,
                reporter: str) -> bytes:
    """The XARF v4 document for the ``kind`` findings of ``result`` found on ``asset``."""
    findings = result.of_kind(kind)
    category, type_ = XARF_PAIRS[kind]
    source, url = source_of(asset)
    moment = as_utc(at).isoformat().replace("+00:00", "Z")
    detectors = sorted({f.detector if not f.label or kind is FindingKind.PRIVATE_DATA
                        else f.label for f in findings})
    party = {"org": "abusedesk content scan", "contact": reporter,
             "domain": reporter.rpartition("@")[2]}
    document: dict[str, object] = {
        "xarf_version": XARF_VERSION,
        "report_id": report_id(kind, result, asset),
        "timestamp": moment,
        "reporter": party,
        "sender": party,  # the scan reports on the provider's own behalf
        "source_identifier": source,
        "category": category,
        "type": type_,
        "evidence_source": "automated_scan",
        "description": (f"abusedesk scan found {len(findings)} {_WHAT[kind]} finding(s) "
                        f"({', '.join(detectors)}) in {result.name}"),
        "scanned_item": {"name": result.name, "sha256": result.sha256, "size": result.size},
        "finding_count": len(findings),
        "findings": [finding.as_dict() for finding in findings[:MAX_LISTED]],
    }
    if url:
        document["url"] = url
    return json.dumps(document, indent=2).encode("ascii")  # escapes odd file names too
