"""Policy versions: load, publish, find the version in force, diff two versions.

A version is loaded (stored, not yet binding), then published with a notice date. It takes
effect on the 30th day after notice, or on a later stated date; the first version ever
published changes nothing that customers already accepted, so it takes effect on its
notice date. The version in force at a moment is the published one with the latest
effective time not after it; events older than every published version are judged by the
earliest one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import Conflict, NotFound, PolicyError, Remedy
from abusedesk.domain.policy import Clause, Policy
from abusedesk.domain.ports import StoredPolicy, UnitOfWork
from abusedesk.policies.loader import builtin_policy_text, load_policy_text

NOTICE_PERIOD = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ClauseChange:
    clause_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    old: StoredPolicy
    new: StoredPolicy
    added: tuple[Clause, ...]
    removed: tuple[Clause, ...]
    changed: tuple[ClauseChange, ...]
    carriers_added: tuple[str, ...]
    carriers_removed: tuple[str, ...]
    #: report types newly declared "not a violation", and those no longer declared so
    not_violations_added: tuple[str, ...] = ()
    not_violations_removed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed
                    or self.carriers_added or self.carriers_removed
                    or self.not_violations_added or self.not_violations_removed)


@dataclass(frozen=True, slots=True)
class InForce:
    """The version in force at a moment; ``retroactive`` when the moment predates them all."""

    stored: StoredPolicy
    retroactive: bool


@dataclass(frozen=True, slots=True)
class PublishedAt:
    """Published versions seen from a moment, each list in order of taking effect."""

    in_force: tuple[StoredPolicy, ...]  # took effect at or before the moment
    pending: tuple[StoredPolicy, ...]  # noticed, taking effect after it


def published_at(published: Sequence[StoredPolicy], at: datetime) -> PublishedAt:
    """Split ``published`` (as the repository orders it: by effective time) at ``at``."""
    in_force: list[StoredPolicy] = []
    pending: list[StoredPolicy] = []
    for stored in published:
        if stored.effective_at is not None:  # None: loaded, never published
            (in_force if stored.effective_at <= at else pending).append(stored)
    return PublishedAt(tuple(in_force), tuple(pending))


def effective_time(notice: date, requested: date | None, *, first: bool) -> datetime:
    """When a version noticed on ``notice`` takes effect (00:00 UTC of that day)."""
    earliest = notice if first else notice + NOTICE_PERIOD
    if requested is not None and requested < earliest:
        rule = "its notice date" if first else "the 30th day after notice"
        raise PolicyError(
            f"effective date {requested} is before {earliest}, {rule}; give a later date"
        )
    return datetime.combine(requested or earliest, time(0), tzinfo=UTC)


class PolicyService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def load(self, text: str, *, source: str) -> StoredPolicy:
        """Validate and store a new version; it binds nobody until published."""
        policy = load_policy_text(text, source=source)
        with self._uow() as uow:
            if uow.policies.find(policy.key, policy.version):
                raise Conflict(
                    f"policy {policy.key} version {policy.version} is already stored; "
                    "give the new text a new version"
                )
            stored = uow.policies.add(
                policy, source_text=text,
                source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                loaded_at=self._clock.now(),
            )
            uow.commit()
        return stored

    def publish(self, version: str, *, notice_date: date,
                effective: date | None = None) -> StoredPolicy:
        """Record the notice of ``version`` and the time it takes effect."""
        with self._uow() as uow:
            stored = self._one(uow, version)
            if stored.published_at is not None:
                raise Conflict(f"{stored.label} was published on {stored.notice_date}; "
                               "load a new version to change it")
            published_so_far = uow.policies.published()
            latest_notice = max(published_so_far, default=None,
                                key=lambda p: (p.notice_date or date.min, p.id))
            if latest_notice is not None and latest_notice.notice_date is not None \
                    and notice_date < latest_notice.notice_date:
                raise PolicyError(
                    f"notice date {notice_date} is before the notice of {latest_notice.label} "
                    f"({latest_notice.notice_date}); notices go forward in time")
            first = not published_so_far
            published = uow.policies.mark_published(
                stored.id, notice_date=notice_date,
                effective_at=effective_time(notice_date, effective, first=first),
                published_at=self._clock.now(),
            )
            uow.customers.record_policy_notice(
                published.id, noticed_at=datetime.combine(notice_date, time(0), tzinfo=UTC))
            uow.commit()
        return published

    def versions(self) -> Sequence[StoredPolicy]:
        with self._uow() as uow:
            return uow.policies.all()

    def get(self, version: str) -> StoredPolicy:
        with self._uow() as uow:
            return self._one(uow, version)

    def in_force(self, at: datetime | None = None) -> InForce:
        """The version that binds customers at ``at`` (default: now)."""
        moment = at or self._clock.now()
        with self._uow() as uow:
            published = uow.policies.published()
        if not published:
            raise NotFound("no policy is published yet: load a policy version and publish it",
                           remedy=Remedy.PUBLISH_POLICY)
        binding = published_at(published, moment).in_force
        if binding:
            return InForce(binding[-1], retroactive=False)
        return InForce(published[0], retroactive=True)

    def diff(self, old_version: str, new_version: str) -> PolicyDiff:
        with self._uow() as uow:
            old, new = self._one(uow, old_version), self._one(uow, new_version)
        return diff_policies(old, new)

    def install_builtin_if_empty(self) -> StoredPolicy | None:
        """Load and publish the reference AUP when no policy is stored at all."""
        if self.versions():
            return None
        stored = self.load(builtin_policy_text(), source="built-in reference policy")
        return self.publish(stored.label, notice_date=self._clock.now().date())

    def _one(self, uow: UnitOfWork, version: str) -> StoredPolicy:
        key, _, number = version.rpartition(":")
        matches = uow.policies.find(key or None, number)
        if not matches:
            known = ", ".join(p.label for p in uow.policies.all()) or "none"
            raise NotFound(f"no stored policy version {version!r} (stored: {known})")
        if len(matches) > 1:
            labels = ", ".join(p.label for p in matches)
            raise PolicyError(f"version {version!r} is ambiguous; name one of: {labels}")
        return matches[0]


def diff_policies(old: StoredPolicy, new: StoredPolicy) -> PolicyDiff:
    """Clauses added, removed and changed (with the fields that changed) between versions."""
    before = {c.id: c for c in old.policy.clauses}
    after = {c.id: c for c in new.policy.clauses}
    changed = []
    for clause_id in before.keys() & after.keys():
        differing = tuple(
            f.name for f in fields(Clause)
            if getattr(before[clause_id], f.name) != getattr(after[clause_id], f.name)
        )
        if differing:
            changed.append(ClauseChange(clause_id, differing))
    old_carriers = {c.name for c in old.policy.carriers}
    new_carriers = {c.name for c in new.policy.carriers}
    return PolicyDiff(
        old=old,
        new=new,
        added=tuple(after[i] for i in after if i not in before),
        removed=tuple(before[i] for i in before if i not in after),
        changed=tuple(sorted(changed, key=lambda change: _order(new.policy, change.clause_id))),
        carriers_added=tuple(sorted(new_carriers - old_carriers)),
        carriers_removed=tuple(sorted(old_carriers - new_carriers)),
        not_violations_added=tuple(sorted(new.policy.not_violations.keys()
                                          - old.policy.not_violations.keys())),
        not_violations_removed=tuple(sorted(old.policy.not_violations.keys()
                                            - new.policy.not_violations.keys())),
    )


def _order(policy: Policy, clause_id: str) -> int:
    return [c.id for c in policy.clauses].index(clause_id)
