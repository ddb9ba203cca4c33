"""Ports of the case work: storage of cases, notices, enforcement and the audit log, the
outbound mail relay, and enforcement executors.

``abusedesk.domain.ports.UnitOfWork`` exposes the four repositories as ``cases``,
``notices``, ``enforcement`` and ``audit``; the SQL adapters live in
``abusedesk.adapters.db.repositories``; the relay in ``abusedesk.adapters.mail.outbound``;
executors in ``abusedesk.adapters.enforcement``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from abusedesk.domain.audit import AuditEntry, AuditRecord
from abusedesk.domain.cases import CaseKey, CaseState
from abusedesk.domain.cases_model import (
    Case,
    CaseEvent,
    CaseResponse,
    EvidenceFile,
    LegalReferral,
    Notice,
    ResponseKind,
)
from abusedesk.domain.enforcement import (
    ActionStatus,
    Charge,
    ChargeKind,
    EnforcementAction,
    ExecutionRequest,
    ExecutionResult,
)
from abusedesk.domain.errors import AbuseDeskError
from abusedesk.domain.notices import NoticeKind, NoticeStatus
from abusedesk.domain.policy import Action


class CaseOrder(StrEnum):
    """How a case listing is sorted. Values are what the API and the queue's form take."""

    NEWEST = "newest"  # most recently opened first (case id, descending)
    DUE = "due"  # most urgent first: earliest running deadline, cases without one last

    @classmethod
    def parse(cls, value: str | None) -> CaseOrder:
        """The order named ``value`` (empty: newest first)."""
        wanted = (value or "").strip().lower()
        if not wanted:
            return cls.NEWEST
        for order in cls:
            if wanted == order.value:
                return order
        raise ValueError(f"{value!r} is not a case order; use one of: "
                         f"{', '.join(order.value for order in cls)}")


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What ``CaseRepository.list`` selects, and in which order; None means any.

    ``due_before`` keeps the cases whose running deadline falls at or before that moment;
    cases without a running deadline (not yet notified, resolved, final, paused) have none
    and are left out.
    """

    states: tuple[CaseState, ...] = ()
    customer_id: int | None = None
    party_id: int | None = None  # the party notified (partner or customer)
    clause_id: str | None = None
    offender: str | None = None
    include_restricted: bool = True
    needs_attention: bool = False
    due_before: datetime | None = None
    order: CaseOrder = CaseOrder.NEWEST


class CaseRepository(Protocol):
    def add(self, case: Case) -> Case:
        """Insert ``case`` (its ``id`` and ``reference`` are ignored) and return it stored."""
        ...

    def save(self, case: Case) -> Case:
        """Write every mutable field of ``case`` back."""
        ...

    def get(self, case_id: int, *, for_update: bool = False) -> Case | None: ...

    def by_reference(self, reference: str, *, for_update: bool = False) -> Case | None: ...

    def latest_for_key(self, key: CaseKey, *, for_update: bool = False) -> Case | None:
        """The most recently opened case of ``key``, whatever its state."""
        ...

    def list(self, selection: CaseFilter, *, limit: int = 100,
             before_id: int | None = None) -> Sequence[Case]:
        """Up to ``limit`` cases in ``selection.order``. ``before_id`` pages on: the cases
        that follow case ``before_id`` in that order (newest first: smaller ids)."""
        ...

    def for_complaint(self, complaint_id: int) -> Sequence[Case]: ...

    def due(self, now: datetime, *, limit: int = 500) -> Sequence[int]:
        """Ids of cases whose next deadline check is due at ``now``."""
        ...

    def offence_counts(self, customer_ids: Sequence[int], *,
                       since: datetime | None = None) -> Mapping[int, int]:
        """Cases per customer that were not dismissed (opened since ``since``); every
        customer asked for has an entry. Without ``since`` this reads counters kept up to
        date by ``add`` and ``save``, so it costs the same at any number of cases."""
        ...

    def open_counts(self, customer_ids: Sequence[int]) -> Mapping[int, int]:
        """Cases per customer that are not in a final state; every customer asked for has
        an entry."""
        ...

    def rebuild_offence_counts(self) -> int:
        """Recount the counters from the cases (after cases were loaded around ``add``);
        returns the number of customers counted."""
        ...

    def add_event(self, event: CaseEvent) -> bool:
        """Record that an event joined a case; False when it had joined before."""
        ...

    def events(self, case_id: int, *, limit: int = 1000) -> Sequence[CaseEvent]: ...

    def add_response(self, *, case_id: int, kind: ResponseKind, party_id: int, author: str,
                     text: str, via: str, at: datetime,
                     evidence: Sequence[EvidenceFile]) -> CaseResponse: ...

    def responses(self, case_id: int) -> Sequence[CaseResponse]: ...

    def evidence_data(self, case_id: int, sha256: str) -> tuple[str, str, bytes] | None:
        """``(filename, content type, bytes)`` of an evidence file of the case."""
        ...

    def add_referral(self, *, case_id: int, authority: str, reference: str | None,
                     at: datetime, by: str, note: str | None) -> LegalReferral: ...

    def referrals(self, case_id: int) -> Sequence[LegalReferral]: ...


class NoticeRepository(Protocol):
    def add(self, *, dedup_key: str, kind: NoticeKind, case_id: int | None,
            complaint_id: int | None, party_id: int | None, requested_by: str,
            at: datetime) -> Notice | None:
        """Queue a notice; None when one with ``dedup_key`` exists already."""
        ...

    def get(self, notice_id: int, *, for_update: bool = False) -> Notice | None: ...

    def for_case(self, case_id: int) -> Sequence[Notice]: ...

    def for_complaint(self, complaint_id: int) -> Sequence[Notice]: ...

    def record(self, notice_id: int, *, status: NoticeStatus, at: datetime,
               recipient: str | None = None, subject: str | None = None,
               message_id: str | None = None, body_text: str | None = None,
               attachment_sha256: str | None = None, error: str | None = None,
               relay_reply: str | None = None, sent: bool = False) -> Notice:
        """Record an attempt (``attempts`` goes up) and its outcome."""
        ...


class EnforcementRepository(Protocol):
    def add_action(self, *, case_id: int, action: Action, target: str, status: ActionStatus,
                   reason: str, dry_run: bool, requested_by: str,
                   at: datetime) -> EnforcementAction: ...

    def get_action(self, action_id: int, *,
                   for_update: bool = False) -> EnforcementAction | None: ...

    def save_action(self, action: EnforcementAction) -> EnforcementAction: ...

    def actions(self, *, case_id: int | None = None,
                statuses: Sequence[ActionStatus] = ()) -> Sequence[EnforcementAction]: ...

    def add_charge(self, *, case_id: int, kind: ChargeKind, description: str, quantity: str,
                   unit_price: str, currency: str, by: str, at: datetime) -> Charge: ...

    def charges(self, *, case_id: int | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Sequence[tuple[Charge, str, int]]:
        """``(charge, case reference, customer id)``, oldest first."""
        ...


class AuditRepository(Protocol):
    def append(self, record: AuditRecord) -> AuditEntry:
        """Seal ``record`` after the current head and store it, in this transaction."""
        ...

    def entries(self, *, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry in sequence order, read in batches."""
        ...

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]: ...

    def head(self) -> tuple[int, str] | None: ...


# -- outbound mail -------------------------------------------------------------------------

class DeliveryFailed(AbuseDeskError):
    """The relay did not take a message; ``permanent`` when retrying cannot help (5xx)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class SentMail:
    """What the relay accepted: the exact bytes sent and its reply."""

    message: bytes
    reply: str


class Mailer(Protocol):
    def send(self, *, sender: str, recipients: Sequence[str],
             compose: Callable[[bool], bytes]) -> SentMail:
        """Deliver to the relay; ``compose(eight_bit_ok)`` builds the bytes once the relay
        has said whether it takes 8-bit data. Raises ``DeliveryFailed``."""
        ...


# -- enforcement executors -----------------------------------------------------------------

class Executor(Protocol):
    """Carries out (or undoes) an enforcement action in the provider's systems."""

    name: str

    def execute(self, request: ExecutionRequest) -> ExecutionResult: ...

    def describe(self, request: ExecutionRequest) -> str:
        """What ``execute`` would do, for dry runs; never acts."""
        ...


ExecutorFor = Callable[[Action], Executor]
AuditData = Mapping[str, Any]
