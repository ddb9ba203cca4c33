"""A listing as a complaint: the XARF v4 report abusedesk writes of what a blocklist said.

A listing reaches the case machinery the way every report does: as a stored complaint (its
exact bytes, here a XARF v4 ``reputation/blocklist`` document carrying the DNS answer, the
return codes with their meanings and the TXT record) with one event, classified under the
policy in force at the lookup's time and resolved to the customer who held the address or
domain then. Aggregation then files it like any other event: a case under whatever clause
the policy maps ``reputation/blocklist`` to, whose notice carries the document as the copy
of the complaint. Replaying the complaint through the XARF parser gives the same event.

``EvidenceFiler.prepare`` does the classification and resolution (they read the database
on their own, so it runs outside any transaction); ``store`` writes the complaint and its
event inside the caller's.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address

from abusedesk.domain.blocklists import ListingDecision, Transition
from abusedesk.domain.blocklists_zones import LookupResult, Zone
from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints import (
    Arrival,
    Channel,
    ComplaintStatus,
    ContentType,
    DedupFacts,
    NewComplaint,
    body_digest,
    sha256_hex,
)
from abusedesk.domain.complaints_events import ResolvedEvent, resolution_key
from abusedesk.domain.errors import AbuseDeskError, StorageError
from abusedesk.domain.events import Event, TimeSource, classify_event
from abusedesk.domain.notices import address_domain
from abusedesk.domain.ports import StoredPolicy, UnitOfWork
from abusedesk.domain.resolution import Resolution, Resolver

#: How the evidence arrives among complaints. No channel names "the provider's own
#: monitor" yet; a document posted programmatically is the nearest (see the report).
EVIDENCE_CHANNEL = Channel.MONITOR
#: The parser's name for XARF documents, so listings and replays read the same.
EVIDENCE_FORMAT = "xarf-json"
CATEGORY, TYPE, RSIT_TYPE = "reputation", "blocklist", "blacklist"
_REPORT_NAMESPACE = uuid.UUID("6f1c3b52-9d0e-4c55-8a3e-2b7d4f90c1aa")

PolicyAt = Callable[[datetime], StoredPolicy]


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who the evidence documents name as reporter and sender: the provider's abuse desk."""

    org: str
    contact: str

    @property
    def domain(self) -> str:
        return address_domain(self.contact).lower()

    def as_xarf(self) -> dict[str, str]:
        return {"org": self.org, "contact": self.contact, "domain": self.domain}


@dataclass(frozen=True, slots=True)
class PreparedEvidence:
    """A listing's document and its event, classified and resolved, ready to store."""

    data: bytes
    facts: DedupFacts
    event: ResolvedEvent
    source: str
    at: datetime

    @property
    def resolution(self) -> Resolution | None:
        return self.event.resolution


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def listing_document(result: LookupResult, zone: Zone, decision: ListingDecision,
                     reporter: Reporter) -> tuple[str, bytes]:
    """The report id and the XARF v4 document (UTF-8 JSON) of one listing result."""
    history = decision.history
    report_id = str(uuid.uuid5(_REPORT_NAMESPACE, "|".join(
        (zone.name, result.entry, decision.transition.value, result.checked_at.isoformat()))))
    answers = "; ".join(f"{code} {meaning}" for code, meaning
                        in zip(result.codes, result.meanings, strict=False))
    what = {Transition.RELISTED: "listed again after its delisting",
            Transition.STILL_LISTED: "still listed, with other return codes"}.get(
        decision.transition, "listed")
    description = (f"{result.entry} is {what} on {zone.description or zone.domain} "
                   f"({zone.domain}): {answers or 'listed'}"
                   + (f"; TXT: {' '.join(result.txt)}" if result.txt else ""))
    evidence_text = result.evidence or f"{result.query} A {' '.join(result.codes)}"
    evidence_bytes = evidence_text.encode("utf-8")
    document = {
        "xarf_version": "4.0.0",
        "report_id": report_id,
        "timestamp": _text(result.checked_at),
        "reporter": reporter.as_xarf(),
        "sender": reporter.as_xarf(),
        "source_identifier": result.entry,
        "category": CATEGORY,
        "type": TYPE,
        "threat_type": "; ".join(result.meanings) or "blocklisting",
        "evidence_source": "automated_scan",
        "description": description[:1000],
        "blocklist": {
            "name": zone.name, "zone": zone.domain, "description": zone.description,
            "query": result.query, "return_codes": list(result.codes),
            "meanings": list(result.meanings), "txt": list(result.txt),
            "checked_at": _text(result.checked_at), "observation": decision.transition.value,
            "listed_since": _text(history.listed_since), "listing_count": history.listings,
            "delisted_at": _text(history.delisted_at), "asset": result.asset or result.entry,
        },
        "evidence": [{
            "content_type": "text/plain",
            "description": f"DNS answer for {result.query} (A and TXT records)"[:500],
            "payload": base64.b64encode(evidence_bytes).decode("ascii"),
            "hash": "sha256:" + sha256_hex(evidence_bytes),
            "size": len(evidence_bytes),
        }],
    }
    # CRLF line ends: the notice can then attach the document as it is, readable in any
    # mail client, instead of base64 (JSON escapes line ends inside strings, so this only
    # touches the whitespace between values).
    text = json.dumps(document, indent=2, ensure_ascii=False).replace("\n", "\r\n")
    return report_id, text.encode("utf-8")


def listing_event(result: LookupResult, zone: Zone, decision: ListingDecision, *,
                  report_id: str, reporter: Reporter) -> Event:
    """The normalised event of a listing: reputation/blocklist about the listed entry."""
    try:
        address = ip_address(result.entry)
    except ValueError:
        address = None
    return Event(
        category=CATEGORY, type=TYPE, event_time=result.checked_at,
        time_source=TimeSource.REPORT, time_field="DNS lookup", ip=address,
        domain=None if address is not None else result.entry, reporter=reporter.contact,
        report_id=report_id, rsit_type=RSIT_TYPE,
        evidence=f"blocklist {zone.name}: DNS answer and TXT record",
        details={"zone": zone.name, "zone_domain": zone.domain, "query": result.query,
                 "codes": " ".join(result.codes), "meanings": "; ".join(result.meanings),
                 "txt": " ".join(result.txt), "observation": decision.transition.value,
                 "listings": str(decision.history.listings)},
    )


class EvidenceFiler:
    """Turns listing results into complaints the case machinery files."""

    def __init__(self, clock: Clock, *, policy_at: PolicyAt, resolver: Resolver,
                 reporter: Reporter) -> None:
        self._clock = clock
        self._policy_at = policy_at
        self._resolver = resolver
        self.reporter = reporter

    def prepare(self, result: LookupResult, zone: Zone,
                decision: ListingDecision) -> PreparedEvidence:
        """Write the document and classify and resolve its event (reads the database)."""
        report_id, data = listing_document(result, zone, decision, self.reporter)
        stored = self._policy_at(result.checked_at)
        event = classify_event(listing_event(result, zone, decision, report_id=report_id,
                                             reporter=self.reporter), stored.policy)
        note = None
        if not event.clause_ids:
            note = event.details.get("not_a_violation") or (
                f"{event.xarf_pair} maps to no clause of {stored.label}")
        key = resolution_key(event)
        resolution = self._resolve(key, result.checked_at) if key is not None else None
        resolved = ResolvedEvent(
            event=event, sequence=0, at=result.checked_at, time_source=TimeSource.REPORT,
            offender=key, clause_ids=event.clause_ids, policy_version_id=stored.id,
            classification_note=note, resolution=resolution)
        facts = DedupFacts(message_id=report_id, sender=self.reporter.contact.lower(),
                           subject=f"Blocklist: {result.entry} on {zone.name}"[:300],
                           body_sha256=body_digest(data))
        return PreparedEvidence(data, facts, resolved, f"blocklists:{zone.name}/{result.entry}",
                                result.checked_at)

    def _resolve(self, key: str, at: datetime) -> Resolution:
        try:
            return self._resolver.resolve(key, at=at)
        except StorageError:
            raise
        except AbuseDeskError as error:
            return Resolution(query=key, at=at, reason=str(error))

    def store(self, uow: UnitOfWork, prepared: PreparedEvidence) -> int:
        """Store the document and its event as a processed complaint; returns its id.

        Storing the same document twice returns the first complaint (the report id is
        derived from the zone, the entry, the transition and the lookup time).
        """
        digest = sha256_hex(prepared.data)
        existing = uow.complaints.original_id(digest, prepared.facts.dedup_key)
        if existing is not None:
            return existing
        now = self._clock.now()
        uow.complaints.store_raw(digest, prepared.data, stored_at=now)
        record = uow.complaints.add(NewComplaint(
            sha256=digest, size=len(prepared.data),
            arrival=Arrival(channel=EVIDENCE_CHANNEL, received_at=now, source=prepared.source,
                            content_type=ContentType.XARF_JSON),
            facts=prepared.facts, status=ComplaintStatus.RECEIVED))
        uow.events.replace_for_complaint(record.id, [prepared.event], created_at=now)
        uow.complaints.record_outcome(record.id, status=ComplaintStatus.PROCESSED,
                                      processed_at=now, format=EVIDENCE_FORMAT,
                                      reporter=self.reporter.contact, event_count=1)
        return record.id
