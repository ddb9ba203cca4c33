"""The processing job: stored complaint -> events -> clauses and customer -> stored.

``ComplaintProcessor.process`` reads a complaint's exact bytes, parses them, classifies each
event under the policy version in force at the event's time, resolves its offender to the
customer who held it then, and stores the events with the complaint's new status in one
transaction, together with the complainants that spam reports name, who go on the no-send
list of the customer (``abusedesk.services.bulk``). What cannot be parsed is quarantined
with the parser's reason; ``replay`` (``abusedesk.services.intake_records``) runs it again
after a fix.

The job is idempotent: it works only on a complaint still ``received``, and the final
transaction locks the complaint row and checks that again, so a job run twice after a crash
(or by two workers) stores the events once. Replaying replaces a complaint's events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints import (
    ComplaintRecord,
    ComplaintStatus,
    ContentType,
    checked_copy,
)
from abusedesk.domain.complaints_events import (
    Outcome,
    ProcessingResult,
    ResolvedEvent,
    event_moment,
    resolution_key,
)
from abusedesk.domain.errors import AbuseDeskError, ParseError, StorageError
from abusedesk.domain.events import Event, classify_pair
from abusedesk.domain.ports import StoredPolicy, UnitOfWork
from abusedesk.domain.resolution import Resolution, Resolver
from abusedesk.services.bulk import suppress_complainants

log = logging.getLogger(__name__)

#: Longest quarantine reason kept; parser reasons are one line, tracebacks are not kept.
MAX_REASON = 2000
#: The complaint's status after a run that stored an outcome.
_STATUS_AFTER = {
    Outcome.PROCESSED: ComplaintStatus.PROCESSED,
    Outcome.QUARANTINED: ComplaintStatus.QUARANTINED,
    Outcome.NOT_ABUSE: ComplaintStatus.NOT_ABUSE,
}


class ParsedComplaint(Protocol):
    """What processing reads from a parser's result (``abusedesk.parsers`` ParseResult)."""

    @property
    def format(self) -> str: ...
    @property
    def events(self) -> tuple[Event, ...]: ...
    @property
    def not_abuse(self) -> bool: ...
    @property
    def not_abuse_reason(self) -> str | None: ...
    @property
    def reporter(self) -> str | None: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...


#: Parses stored bytes of a content type, received at a time; raises ParseError.
ParseFunction = Callable[[bytes, ContentType, datetime], ParsedComplaint]
#: The policy version in force at a moment.
PolicyAt = Callable[[datetime], StoredPolicy]


class ComplaintProcessor:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *, parse: ParseFunction,
                 policy_at: PolicyAt, resolver: Resolver,
                 follow_ups: Sequence[str] = ()) -> None:
        """``follow_ups`` are task names enqueued (with ``complaint_id``) in the transaction
        that stores a complaint's events, e.g. case aggregation once it exists."""
        self._uow = uow
        self._clock = clock
        self._parse = parse
        self._policy_at = policy_at
        self._resolver = resolver
        self._follow_ups = tuple(follow_ups)

    def process(self, complaint_id: int) -> ProcessingResult:
        """Process one stored complaint if it still waits for it; see the module docstring."""
        with self._uow() as uow:
            record = uow.complaints.get(complaint_id)
            if record is None or record.status is not ComplaintStatus.RECEIVED:
                return ProcessingResult(complaint_id, Outcome.SKIPPED)
            data = uow.complaints.raw(record.sha256)
        copy = checked_copy(record, data)  # a damaged copy is never processed
        try:
            parsed = self._parse(copy.data, record.content_type, record.received_at)
        except ParseError as error:
            return self._finish(record, Outcome.QUARANTINED, reason=error.reason)
        except Exception as error:  # noqa: BLE001 - a parser bug quarantines, it never loops
            log.exception("parser failed on complaint %s", complaint_id)
            return self._finish(record, Outcome.QUARANTINED,
                                reason=f"parser failure ({type(error).__name__}: "
                                       f"{str(error)[:300]}); report this as a parser bug")
        if parsed.not_abuse:
            return self._finish(record, Outcome.NOT_ABUSE, parsed=parsed,
                                reason=parsed.not_abuse_reason or "not an abuse report")
        resolved = self._resolve_all(parsed.events, record.received_at)
        return self._finish(record, Outcome.PROCESSED, parsed=parsed, events=resolved)

    # -- classification and resolution ----------------------------------------------------
    def _resolve_all(self, events: Sequence[Event], received_at: datetime) -> list[ResolvedEvent]:
        moments = [event_moment(event, received_at) for event in events]
        policies = policies_by_moment([at for at, _source in moments], self._policy_at)
        resolutions: dict[tuple[str, datetime], Resolution | None] = {}
        resolved = []
        for sequence, (event, (at, source)) in enumerate(zip(events, moments, strict=True)):
            stored = policies[at]
            found = classify_pair(stored.policy, event.category, event.type,
                                  rsit=event.rsit_type, role=event.role)
            note = None
            if not found.clause_ids:
                note = found.not_a_violation or (
                    f"{event.xarf_pair} maps to no clause of {stored.label}")
            key = resolution_key(event)
            if key is not None and (key, at) not in resolutions:
                resolutions[(key, at)] = self._resolve(key, at)
            resolved.append(ResolvedEvent(
                event=event, sequence=sequence, at=at, time_source=source, offender=key,
                clause_ids=found.clause_ids, policy_version_id=stored.id,
                classification_note=note,
                resolution=resolutions[(key, at)] if key is not None else None,
            ))
        return resolved

    def _resolve(self, key: str, at: datetime) -> Resolution:
        try:
            return self._resolver.resolve(key, at=at)
        except StorageError:
            raise  # the database failed: let the job retry
        except AbuseDeskError as error:
            # The value cannot be resolved (malformed, unsupported): record why.
            return Resolution(query=key, at=at, reason=str(error))

    # -- storing the outcome ----------------------------------------------------------------
    def _finish(self, record: ComplaintRecord, outcome: Outcome, *,
                parsed: ParsedComplaint | None = None, reason: str | None = None,
                events: Sequence[ResolvedEvent] = ()) -> ProcessingResult:
        now = self._clock.now()
        with self._uow() as uow:
            current = uow.complaints.get(record.id, for_update=True)
            if current is None or current.status is not ComplaintStatus.RECEIVED:
                # Another run finished first while this one parsed; keep its result.
                return ProcessingResult(record.id, Outcome.SKIPPED)
            uow.events.replace_for_complaint(record.id, events, created_at=now)
            # Complainants go on the customer's no-send list with the events, or not at all.
            suppress_complainants(uow, complaint_id=record.id,
                                  format=parsed.format if parsed else None, events=events,
                                  clock=self._clock)
            uow.complaints.record_outcome(
                record.id, status=_STATUS_AFTER[outcome], processed_at=now,
                reason=reason[:MAX_REASON] if reason else None,
                format=parsed.format if parsed else None,
                reporter=parsed.reporter if parsed else None,
                event_count=len(events),
                warnings=parsed.warnings if parsed else (),
            )
            if events:
                for task in self._follow_ups:
                    uow.enqueue(task, {"complaint_id": record.id})
            uow.commit()
        log.info("complaint %s %s: %d event(s)%s", record.id, outcome.value, len(events),
                 f" ({reason})" if reason else "")
        return ProcessingResult(record.id, outcome, len(events), reason,
                                parsed.format if parsed else None)


def policies_by_moment(moments: Sequence[datetime],
                       policy_at: PolicyAt) -> dict[datetime, StoredPolicy]:
    """The policy version in force at each moment, asking ``policy_at`` as little as possible.

    The version in force only ever moves forward in time, so when the same version is in
    force at two moments it is in force at every moment between them: the sorted moments
    are bisected, and a report with ten thousand event times under one policy costs two
    look-ups instead of ten thousand.
    """
    distinct = sorted(set(moments))
    if not distinct:
        return {}
    found: dict[datetime, StoredPolicy] = {}
    first, last = policy_at(distinct[0]), policy_at(distinct[-1])
    pending = [(0, len(distinct) - 1, first, last)]
    while pending:
        low, high, at_low, at_high = pending.pop()
        if at_low.id == at_high.id:
            for moment in distinct[low:high + 1]:
                found[moment] = at_low
            continue
        if high - low <= 1:
            found[distinct[low]], found[distinct[high]] = at_low, at_high
            continue
        middle = (low + high) // 2
        at_middle = policy_at(distinct[middle])
        pending += [(low, middle, at_low, at_middle), (middle, high, at_middle, at_high)]
    return found
