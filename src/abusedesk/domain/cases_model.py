"""Cases as services see them: the case, its events, notices, answers and evidence.

These are plain values that repositories return and services hand to interfaces; the
rules that move them live in ``abusedesk.domain.cases`` (states, aggregation),
``abusedesk.domain.deadlines`` and ``abusedesk.domain.enforcement``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from abusedesk.domain.cases import CaseKey, CaseSnapshot, CaseState
from abusedesk.domain.deadlines import CaseClock, next_check_at
from abusedesk.domain.notices import NoticeKind, NoticeStatus
from abusedesk.domain.policy import Action, Severity


@dataclass(frozen=True, slots=True)
class Case:
    """One case: a customer, a clause, an offending resource, and where it stands.

    ``rung`` indexes ``ladder``: the rung already taken (the first notice is rung 0).
    ``attention`` says why staff must look (no contact to notify, a notice bounced, the
    ladder ran out); None when the case runs by itself.
    """

    id: int
    reference: str
    state: CaseState
    customer_id: int
    notify_customer_id: int
    clause_id: str
    clause_title: str
    offender: str
    policy_version_id: int
    severity: Severity
    restricted: bool
    opened_at: datetime
    updated_at: datetime
    first_event_at: datetime
    last_event_at: datetime
    event_count: int
    ladder: tuple[Action, ...]
    rung: int
    deadline: timedelta | None
    deadline_source: str
    ladder_source: str
    clock: CaseClock
    next_check_at: datetime | None = None
    notified_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    previous_case_id: int | None = None
    reopen_count: int = 0
    consent_note: str | None = None
    attention: str | None = None

    @property
    def key(self) -> CaseKey:
        return CaseKey(self.customer_id, self.clause_id, self.offender)

    @property
    def snapshot(self) -> CaseSnapshot:
        return CaseSnapshot(self.id, self.state, self.resolved_at, self.closed_at,
                            self.covered_by_consent)

    @property
    def due_at(self) -> datetime | None:
        return self.clock.due_at()

    @property
    def covered_by_consent(self) -> bool:
        return self.consent_note is not None

    @property
    def next_action(self) -> Action | None:
        following = self.rung + 1
        return self.ladder[following] if following < len(self.ladder) else None


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """An event of a complaint as it joined a case (a copy: replays do not rewrite history)."""

    case_id: int
    complaint_id: int
    sequence: int
    event_id: int | None
    event_at: datetime
    category: str
    type: str
    offender: str
    joined_at: datetime

    @property
    def xarf_pair(self) -> str:
        return f"{self.category}/{self.type}"


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to a customer's representative or to a complainant, and its delivery."""

    id: int
    kind: NoticeKind
    status: NoticeStatus
    case_id: int | None
    complaint_id: int | None
    recipient: str | None
    subject: str | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    error: str | None = None
    party_id: int | None = None
    attachment_sha256: str | None = None
    requested_by: str = "system"


class ResponseKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    REMEDY = "remedy"  # the customer reports what it did, with evidence
    OPTIN_EVIDENCE = "optin-evidence"  # answers an opt-in evidence request of the case


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file the customer attached to an answer."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CaseResponse:
    id: int
    case_id: int
    kind: ResponseKind
    party_id: int
    author: str
    text: str
    via: str  # "link", "api", "staff"
    created_at: datetime
    evidence: tuple[tuple[str, str, int, str], ...] = ()  # (filename, type, size, sha256)


@dataclass(frozen=True, slots=True)
class LegalReferral:
    """A referral of a restricted case to the authorities (clause 2a), kept on record."""

    id: int
    case_id: int
    authority: str
    reference: str | None
    referred_at: datetime
    referred_by: str
    note: str | None = None


def moved(case: Case, to: CaseState, *, at: datetime,
          leads: Sequence[timedelta] = ()) -> Case:
    """``case`` after the move to ``to`` at ``at``: timestamps and the deadline clock.

    The caller has checked the move against the transition table. The notice starts the
    clock (``notified``, or any answer before a notice); resolution and the final states
    stop it; reopening clears the resolution and closing and counts the reopening.
    Escalation changes the rung and restarts the clock itself (``escalated``).
    """
    clock, changes = case.clock, dict[str, Any]()
    if to is CaseState.NOTIFIED:
        changes["notified_at"] = at
        if not clock.running:
            clock = clock.start(at, case.deadline)
    elif to in (CaseState.ACKNOWLEDGED, CaseState.AWAITING_CUSTOMER):
        if not clock.running and case.deadline is not None:
            clock = clock.start(at, case.deadline)
    elif to is CaseState.RESOLVED:
        changes["resolved_at"] = at
        clock = clock.stop()
    elif to.is_final:
        changes["closed_at"] = at
        clock = clock.stop()
    elif to is CaseState.NEW:
        changes.update(resolved_at=None, closed_at=None, reopen_count=case.reopen_count + 1,
                       attention=None, consent_note=None)
        clock = clock.stop()
    next_check = next_check_at(clock, leads) if to.deadline_runs else None
    return replace(case, state=to, clock=clock, next_check_at=next_check, updated_at=at,
                   **changes)
