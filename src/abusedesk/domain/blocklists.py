"""Blocklist listing history (clause 3e): what is known of each entry on each zone.

``decide_transition`` compares a lookup result with the known listing history of an entry
on a zone: a listing opens a case, a delisting resolves it, a re-listing escalates.
``StoredListing``, ``ListingChange`` and ``SweepRecord`` are that history and the sweeps as
stored. The lookups themselves are in ``blocklists_zones`` and the targets in
``blocklists_targets``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from abusedesk.domain.blocklists_zones import LookupResult, Outcome


class ListingStatus(StrEnum):
    NEVER_LISTED = "never-listed"
    LISTED = "listed"
    DELISTED = "delisted"


class Transition(StrEnum):
    NEW_LISTING = "new-listing"  # open a case under 3e
    STILL_LISTED = "still-listed"  # update the case (``codes_changed`` says if evidence moved)
    DELISTED = "delisted"  # record it, resolve the case
    RELISTED = "relisted"  # listed again after a delisting: escalate
    STILL_CLEAN = "still-clean"
    ERROR = "error"  # the lookup failed: nothing changes


@dataclass(frozen=True, slots=True)
class ListingHistory:
    """What is known of one entry on one zone; ``NEVER_LISTED`` when nothing is stored."""

    status: ListingStatus = ListingStatus.NEVER_LISTED
    codes: tuple[str, ...] = ()
    listed_since: datetime | None = None
    delisted_at: datetime | None = None
    listings: int = 0  # how many times it went from not listed to listed
    last_checked: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListingDecision:
    transition: Transition
    history: ListingHistory  # the history to store after this result
    codes_changed: bool = False


def decide_transition(previous: ListingHistory | None, result: LookupResult) -> ListingDecision:
    """Compare a new lookup result with the stored history of its entry and zone.

    Errors change nothing (not even ``last_checked``), so a dead list or a timeout can
    neither resolve a case nor open one.
    """
    known = previous or ListingHistory()
    at = result.checked_at
    if result.outcome is Outcome.ERROR:
        return ListingDecision(Transition.ERROR, known)
    if result.outcome is Outcome.LISTED:
        if known.status is ListingStatus.LISTED:
            changed = set(result.codes) != set(known.codes)
            return ListingDecision(
                Transition.STILL_LISTED,
                replace(known, codes=result.codes, last_checked=at),
                codes_changed=changed,
            )
        transition = (
            Transition.RELISTED
            if known.status is ListingStatus.DELISTED
            else Transition.NEW_LISTING
        )
        listed = ListingHistory(
            ListingStatus.LISTED,
            result.codes,
            listed_since=at,
            delisted_at=known.delisted_at,
            listings=known.listings + 1,
            last_checked=at,
        )
        return ListingDecision(transition, listed)
    if known.status is ListingStatus.LISTED:
        delisted = replace(known, status=ListingStatus.DELISTED, delisted_at=at, last_checked=at)
        return ListingDecision(Transition.DELISTED, delisted)
    return ListingDecision(Transition.STILL_CLEAN, replace(known, last_checked=at))


@dataclass(frozen=True, slots=True)
class StoredListing:
    """The stored state of one entry on one zone; kept from its first listing on.

    ``complaint_id`` is the evidence of the latest listing (the record that fed the case
    machinery) and ``case_id`` the case it went to, once known.
    """

    id: int
    zone: str
    entry: str
    asset: str
    status: ListingStatus
    codes: tuple[str, ...]
    meanings: tuple[str, ...]
    txt: tuple[str, ...]
    evidence: str
    first_listed_at: datetime
    listed_since: datetime | None
    delisted_at: datetime | None
    last_checked: datetime
    listings: int
    complaint_id: int | None = None
    case_id: int | None = None

    @property
    def history(self) -> ListingHistory:
        return ListingHistory(self.status, self.codes, self.listed_since, self.delisted_at,
                              self.listings, self.last_checked)


@dataclass(frozen=True, slots=True)
class ListingChange:
    """One transition of a stored listing, and what it did to cases once applied.

    ``prior_case_id`` is the case of the listing before a re-listing (the one to escalate);
    ``case_id`` the case the change opened, updated, resolved or escalated.
    """

    id: int
    listing_id: int
    zone: str
    entry: str
    transition: Transition
    observed_at: datetime
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    txt: tuple[str, ...] = ()
    complaint_id: int | None = None
    prior_case_id: int | None = None
    case_id: int | None = None
    applied_at: datetime | None = None
    outcome: str | None = None
    sweep_id: int | None = None


@dataclass(frozen=True, slots=True)
class SweepRecord:
    """One recorded sweep; a ``running`` one holds the sweep lock until ``lease_until``."""

    id: int
    trigger: str  # "schedule" or "cli"
    scope: str  # "customers" (every customer asset) or "targets" (named by the caller)
    status: str  # running, done, failed, abandoned
    started_at: datetime
    lease_until: datetime
    finished_at: datetime | None = None
    targets: int = 0
    queries: int = 0
    listed: int = 0
    errors: int = 0
    changes: Mapping[str, int] = field(default_factory=dict)  # transition -> count
    detail: str | None = None
