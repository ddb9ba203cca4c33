"""The Acceptable Use Policy as data: clauses, their deadlines and ladders, report mappings.

A ``Policy`` is one version of one provider's AUP, read from a policy file
(``abusedesk.policies.loader``). Everything later in the pipeline (classification, cases,
deadlines, notices, enforcement) asks the policy in force at an event's time, never a
constant in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class ClauseCategory(StrEnum):
    """What kind of rule a clause is; used for filters, dashboards and templates."""

    ACCESS = "access"
    USAGE = "usage"
    COMMERCIAL = "commercial"
    ILLEGAL = "illegal"
    FRAUD = "fraud"
    HARASSMENT = "harassment"
    MALWARE = "malware"
    AVAILABILITY = "availability"
    SCANNING = "scanning"
    REPUTATION = "reputation"
    IMPERSONATION = "impersonation"
    SPAM = "spam"
    CONTENT = "content"
    PRIVACY = "privacy"
    INTELLECTUAL_PROPERTY = "intellectual-property"
    OBLIGATION = "obligation"
    ENFORCEMENT = "enforcement"


class Action(StrEnum):
    """Enforcement actions, the steps of a clause's ladder."""

    WARN = "warn"
    BLOCK_HOST = "block-host"
    SUSPEND = "suspend"
    REMOVE_CONTENT = "remove-content"
    REMOVE_ACCESS = "remove-access"
    TERMINATE = "terminate"


class DeadlineKind(StrEnum):
    FIXED = "fixed"
    PROMPTLY = "promptly"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Deadline:
    """How long a customer has, counted from notice, to remedy a breach of a clause."""

    kind: DeadlineKind
    duration: timedelta | None = None

    def resolve(self, promptly: timedelta) -> timedelta | None:
        """The concrete duration, with "promptly" taken from configuration."""
        if self.kind is DeadlineKind.FIXED:
            return self.duration
        if self.kind is DeadlineKind.PROMPTLY:
            return promptly
        return None

    def describe(self, promptly: timedelta) -> str:
        duration = self.resolve(promptly)
        if duration is None:
            return "none"
        hours = int(duration.total_seconds() // 3600)
        text = f"{hours} hours" if duration.total_seconds() % 3600 == 0 else str(duration)
        return f"promptly ({text})" if self.kind is DeadlineKind.PROMPTLY else text


@dataclass(frozen=True, slots=True)
class Clause:
    """One numbered clause of the policy."""

    id: str
    section: str
    number: str
    title: str
    text: str
    category: ClauseCategory
    severity: Severity
    deadline: Deadline
    ladder: tuple[Action, ...]
    evidence: tuple[str, ...]
    xarf: tuple[str, ...] = ()
    rsit: tuple[str, ...] = ()
    restricted: bool = False
    consent_kinds: tuple[str, ...] = ()

    @property
    def is_violation(self) -> bool:
        """Obligation and enforcement clauses describe duties, not offences to report."""
        return self.category not in (ClauseCategory.OBLIGATION, ClauseCategory.ENFORCEMENT)


@dataclass(frozen=True, slots=True)
class Carrier:
    """A third-party carrier whose own AUP (Supplemental Carrier Terms) also binds customers."""

    id: str
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """Which clauses a report category breaks, or why it breaks none."""

    clause_ids: tuple[str, ...]
    not_a_violation: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of a provider's AUP."""

    key: str
    version: str
    title: str
    provider: str
    abuse_contact: str
    clauses: tuple[Clause, ...]
    carriers: tuple[Carrier, ...] = ()
    not_violations: Mapping[str, str] = field(default_factory=dict)

    def clause(self, clause_id: str) -> Clause:
        for candidate in self.clauses:
            if candidate.id == clause_id:
                return candidate
        raise KeyError(clause_id)

    def classify(self, category: str, type_: str, *, rsit: str | None = None) -> Classification:
        """Map an XARF v4 category/type (and an optional RSIT type) to clauses.

        The XARF pair decides; an RSIT type adds its clauses when it names a more specific
        behaviour. A category that maps nowhere and is not declared "not a violation"
        classifies to no clause and no reason; callers treat that as unmapped.
        """
        xarf_key = f"{category}/{type_}"
        ids = [c.id for c in self.clauses if xarf_key in c.xarf]
        if rsit is not None:
            ids += [c.id for c in self.clauses if rsit in c.rsit and c.id not in ids]
        if ids:
            return Classification(tuple(ids))
        reason = self.not_violations.get(f"xarf:{xarf_key}")
        if reason is None and rsit is not None:
            reason = self.not_violations.get(f"rsit:{rsit}")
        return Classification((), reason)
