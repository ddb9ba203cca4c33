"""Cases: the state vocabulary, the transition table, and how events join cases.

One ``CaseState`` enum is the vocabulary every layer shares (storage, CLI, API, web UI,
filters), with its label and colour kept here, in one place. ``TRANSITIONS`` lists every
legal move; ``check_transition`` refuses any other with ``IllegalTransition``, whose
message names the legal moves so the user can pick one.

Events become cases per ``CaseKey`` (responsible customer, clause, offending resource).
``decide_aggregation`` says what one event does to the latest case of its key: join it,
reopen it, or open a new case (linked to the old one when there is one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from ipaddress import ip_address
from urllib.parse import urlsplit

from abusedesk.domain.deadlines import describe_duration
from abusedesk.domain.errors import Conflict


class CaseState(StrEnum):
    """Where a case stands. Values are the stored and displayed identifiers."""

    NEW = "new"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_CUSTOMER = "awaiting-customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def colour(self) -> str:
        """A colour name for badges (the web UI maps names to its palette)."""
        return _LABELS[self][1]

    @property
    def description(self) -> str:
        return _LABELS[self][2]

    @property
    def is_final(self) -> bool:
        """Final cases no longer hold their key; a new event opens or reopens one."""
        return self in FINAL_STATES

    @property
    def deadline_runs(self) -> bool:
        """The customer's deadline counts down only in these states."""
        return self in DEADLINE_STATES

    @classmethod
    def parse(cls, value: str) -> CaseState:
        """The state named ``value`` (its identifier, or its label in any case)."""
        wanted = value.strip().lower().replace("_", "-").replace(" ", "-")
        for state in cls:
            if wanted in (state.value, state.label.lower().replace(" ", "-")):
                return state
        known = ", ".join(state.value for state in cls)
        raise ValueError(f"{value!r} is not a case state; use one of: {known}")

    @classmethod
    def choices(cls) -> list[tuple[str, str, str]]:
        """``(value, label, colour)`` for every state, in workflow order, for forms and filters."""
        return [(state.value, state.label, state.colour) for state in cls]


_LABELS: Mapping[CaseState, tuple[str, str, str]] = {
    CaseState.NEW: ("New", "blue", "opened from events; the customer has not been told yet"),
    CaseState.NOTIFIED: ("Notified", "cyan", "the notice went out; the deadline runs"),
    CaseState.ACKNOWLEDGED: ("Acknowledged", "indigo",
                             "the customer confirmed receipt; the deadline still runs"),
    CaseState.AWAITING_CUSTOMER: ("Awaiting customer", "yellow",
                                  "the provider asked the customer for more; the deadline runs"),
    CaseState.RESOLVED: ("Resolved", "green", "the customer reported a remedy, or it was seen"),
    CaseState.CLOSED: ("Closed", "gray", "done; nothing more is expected"),
    CaseState.DISMISSED: ("Dismissed", "light-gray", "not ours, or a false positive"),
    CaseState.ESCALATED: ("Escalated", "orange", "a deadline passed; the next rung of the ladder"),
    CaseState.SUSPENDED: ("Suspended", "red", "a service or asset of the customer is suspended"),
    CaseState.TERMINATED: ("Terminated", "black", "the service or agreement was terminated"),
}

S = CaseState

#: Every legal move. Reopening (back to ``new``) is how a new event or an analyst revives
#: a resolved, closed or dismissed case; ``escalated -> escalated`` climbs one more rung.
TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    S.NEW: frozenset({S.NOTIFIED, S.ACKNOWLEDGED, S.RESOLVED, S.CLOSED, S.DISMISSED,
                      S.ESCALATED, S.SUSPENDED, S.TERMINATED}),
    S.NOTIFIED: frozenset({S.ACKNOWLEDGED, S.AWAITING_CUSTOMER, S.RESOLVED, S.DISMISSED,
                           S.ESCALATED, S.SUSPENDED, S.TERMINATED}),
    S.ACKNOWLEDGED: frozenset({S.AWAITING_CUSTOMER, S.RESOLVED, S.DISMISSED, S.ESCALATED,
                               S.SUSPENDED, S.TERMINATED}),
    S.AWAITING_CUSTOMER: frozenset({S.ACKNOWLEDGED, S.RESOLVED, S.DISMISSED, S.ESCALATED,
                                    S.SUSPENDED, S.TERMINATED}),
    S.ESCALATED: frozenset({S.ACKNOWLEDGED, S.AWAITING_CUSTOMER, S.RESOLVED, S.DISMISSED,
                            S.ESCALATED, S.SUSPENDED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.AWAITING_CUSTOMER, S.RESOLVED, S.DISMISSED, S.ESCALATED,
                            S.TERMINATED}),
    S.RESOLVED: frozenset({S.CLOSED, S.AWAITING_CUSTOMER, S.NEW, S.ESCALATED, S.SUSPENDED}),
    S.CLOSED: frozenset({S.NEW}),
    S.DISMISSED: frozenset({S.NEW}),
    S.TERMINATED: frozenset(),
}

#: States in which a case no longer takes new events as its own.
FINAL_STATES = frozenset({S.CLOSED, S.DISMISSED, S.TERMINATED})
#: States in which the customer's deadline runs (a suspended customer still climbs the ladder).
DEADLINE_STATES = frozenset({S.NOTIFIED, S.ACKNOWLEDGED, S.AWAITING_CUSTOMER, S.ESCALATED,
                             S.SUSPENDED})
#: States in which the customer may answer through the response link.
RESPONSE_STATES = frozenset({S.NOTIFIED, S.ACKNOWLEDGED, S.AWAITING_CUSTOMER, S.ESCALATED,
                             S.SUSPENDED})


class IllegalTransition(Conflict):
    """A case cannot move from its state to the one asked for."""

    def __init__(self, reference: str, current: CaseState, wanted: CaseState) -> None:
        allowed = sorted(state.value for state in TRANSITIONS[current])
        hint = f"from {current.value} it may go to: {', '.join(allowed)}" if allowed \
            else f"{current.value} is final"
        super().__init__(f"case {reference} cannot move from {current.value} to "
                         f"{wanted.value}; {hint}")
        self.current = current
        self.wanted = wanted


def can_transition(current: CaseState, wanted: CaseState) -> bool:
    return wanted in TRANSITIONS[current]


def check_transition(reference: str, current: CaseState, wanted: CaseState) -> None:
    """Raise ``IllegalTransition`` unless the table allows ``current -> wanted``."""
    if not can_transition(current, wanted):
        raise IllegalTransition(reference, current, wanted)


# -- aggregation ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CaseKey:
    """What makes events one case: who answers for them, which clause, which resource."""

    customer_id: int
    clause_id: str
    offender: str

    def as_text(self) -> str:
        """One string for the storage column that keeps two open cases of a key apart."""
        return f"{self.customer_id}|{self.clause_id}|{self.offender}"


def offender_resource(*, ip: str | None = None, url: str | None = None,
                      domain: str | None = None, email: str | None = None) -> str | None:
    """The resource a case is about, normalised so that reports of one thing meet.

    An IP address is kept in its compressed canonical form. For a URL the host name is
    the resource: one phishing host with ten paths is one case. An e-mail address counts
    by its domain, the customer's sending domain. Names are lower-cased without a final dot.
    """
    if ip:
        try:
            return str(ip_address(ip.strip()))
        except ValueError:
            return ip.strip().lower()
    if url:
        host = _url_host(url)
        if host:
            return host
    if domain:
        return domain.strip().rstrip(".").lower() or None
    if email and "@" in email:
        return email.rsplit("@", 1)[1].strip().rstrip(".").lower() or None
    return None


def _url_host(url: str) -> str | None:
    text = url.strip()
    if "//" not in text:
        text = "//" + text  # a bare "host/path" as reports often give it
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return str(ip_address(host))
    except ValueError:
        return host.rstrip(".").lower()


class AggregationKind(StrEnum):
    OPEN = "open"  # a new case, nothing before it
    OPEN_LINKED = "open-linked"  # a new case linked to an earlier, final one
    JOIN = "join"  # the event joins the case as it is
    REOPEN = "reopen"  # the event joins the case and sends it back to ``new``


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """What aggregation needs to know about the latest case of a key."""

    id: int
    state: CaseState
    resolved_at: datetime | None = None
    closed_at: datetime | None = None  # when it reached a final state
    covered_by_consent: bool = False  # closed as covered by a written consent


@dataclass(frozen=True, slots=True)
class AggregationDecision:
    kind: AggregationKind
    case_id: int | None = None  # JOIN and REOPEN: the case; OPEN_LINKED: the earlier case
    reason: str = ""


def decide_aggregation(latest: CaseSnapshot | None, event_at: datetime, window: timedelta,
                       *, covered: bool = False) -> AggregationDecision:
    """What an event of a key does to the latest case of that key.

    - No case yet: open one.
    - An open case takes the event. A resolved case is reopened by an event after its
      resolution (the problem came back); an older event only adds evidence.
    - A closed case is reopened by an event up to ``window`` after closing; a later event
      opens a new case linked to it. An event from before the closing adds evidence.
    - Dismissed and terminated cases are never reopened by events (the dismissal judged
      those events; a terminated service is gone): a later event opens a linked case.
    - ``covered``: a written consent covers the event. It never reopens anything; a case
      closed as covered takes further covered events within ``window``. An event the
      consent does not cover reopens a case closed as covered (within ``window``).
    """
    if latest is None:
        return AggregationDecision(AggregationKind.OPEN, reason="first event of its key")
    if not latest.state.is_final:
        if latest.state is CaseState.RESOLVED and latest.resolved_at is not None \
                and event_at > latest.resolved_at and not covered:
            return AggregationDecision(AggregationKind.REOPEN, latest.id,
                                       "an event after the reported remedy")
        return AggregationDecision(AggregationKind.JOIN, latest.id, "the case is open")
    closed_at = latest.closed_at
    within = closed_at is not None and event_at - closed_at <= window
    consent_case = latest.covered_by_consent and latest.state is CaseState.CLOSED
    if consent_case:
        if covered and within:
            return AggregationDecision(AggregationKind.JOIN, latest.id,
                                       "covered by the same consent as the case")
        if not covered and within:
            return AggregationDecision(AggregationKind.REOPEN, latest.id,
                                       "an event the written consent does not cover")
        return AggregationDecision(
            AggregationKind.OPEN_LINKED, latest.id,
            f"the earlier case closed more than {describe_duration(window)} ago")
    if closed_at is not None and event_at <= closed_at:
        return AggregationDecision(AggregationKind.JOIN, latest.id,
                                   "the event predates the closing; kept as evidence")
    if latest.state is CaseState.CLOSED and within and not covered:
        return AggregationDecision(AggregationKind.REOPEN, latest.id,
                                   f"an event within {describe_duration(window)} of the closing")
    return AggregationDecision(AggregationKind.OPEN_LINKED, latest.id,
                               f"the earlier case is {latest.state.value}")


def case_reference(case_id: int, opened_at: datetime, prefix: str = "AD") -> str:
    """The reference customers and complainants quote: ``AD-2026-000123``."""
    return f"{prefix}-{opened_at.year:04d}-{case_id:06d}"
