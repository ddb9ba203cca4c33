"""Blocklist listing state, its changes and the sweep records in the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.blocklists import (
    BlocklistChangeRow,
    BlocklistListingRow,
    BlocklistSweepRow,
)
from abusedesk.domain.blocklists import (
    ListingChange,
    ListingStatus,
    StoredListing,
    SweepRecord,
    Transition,
)
from abusedesk.domain.errors import Conflict, NotFound

RUNNING = "running"

#: Entries per ``IN (...)`` list when reading the listings of many entries.
_IN_BATCH = 500


def _listing(row: BlocklistListingRow) -> StoredListing:
    return StoredListing(
        id=row.id, zone=row.zone, entry=row.entry, asset=row.asset,
        status=ListingStatus(row.status), codes=tuple(row.codes or ()),
        meanings=tuple(row.meanings or ()), txt=tuple(row.txt or ()), evidence=row.evidence,
        first_listed_at=row.first_listed_at, listed_since=row.listed_since,
        delisted_at=row.delisted_at, last_checked=row.last_checked_at, listings=row.listings,
        complaint_id=row.complaint_id, case_id=row.case_id,
    )


def _change(row: BlocklistChangeRow, listing: BlocklistListingRow) -> ListingChange:
    return ListingChange(
        id=row.id, listing_id=row.listing_id, zone=listing.zone, entry=listing.entry,
        transition=Transition(row.transition), observed_at=row.observed_at,
        codes=tuple(row.codes or ()), meanings=tuple(row.meanings or ()),
        txt=tuple(row.txt or ()), complaint_id=row.complaint_id,
        prior_case_id=row.prior_case_id, case_id=row.case_id, applied_at=row.applied_at,
        outcome=row.outcome, sweep_id=row.sweep_id,
    )


def _sweep(row: BlocklistSweepRow) -> SweepRecord:
    return SweepRecord(
        id=row.id, trigger=row.trigger, scope=row.scope, status=row.status,
        started_at=row.started_at, lease_until=row.lease_until, finished_at=row.finished_at,
        targets=row.targets, queries=row.queries, listed=row.listed, errors=row.errors,
        changes=dict(row.changes or {}), detail=row.detail,
    )


def _listing_values(listing: StoredListing) -> dict[str, Any]:
    return {
        "zone": listing.zone, "entry": listing.entry, "asset": listing.asset[:300],
        "status": listing.status.value, "codes": list(listing.codes),
        "meanings": list(listing.meanings), "txt": list(listing.txt),
        "evidence": listing.evidence, "first_listed_at": listing.first_listed_at,
        "listed_since": listing.listed_since, "delisted_at": listing.delisted_at,
        "last_checked_at": listing.last_checked, "listings": listing.listings,
        "complaint_id": listing.complaint_id, "case_id": listing.case_id,
    }


class SqlBlocklistRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- listings ------------------------------------------------------------------------
    def listings(self, *, zones: Collection[str] | None = None,
                 entries: Collection[str] | None = None,
                 status: ListingStatus | None = None) -> Sequence[StoredListing]:
        query = select(BlocklistListingRow).order_by(BlocklistListingRow.entry,
                                                     BlocklistListingRow.zone)
        if zones is not None:
            query = query.where(BlocklistListingRow.zone.in_(list(zones)))
        if status is not None:
            query = query.where(BlocklistListingRow.status == status.value)
        if entries is None:
            return [_listing(row) for row in self.session.scalars(query)]
        wanted, found = list(dict.fromkeys(entries)), []
        for start in range(0, len(wanted), _IN_BATCH):
            chunk = wanted[start:start + _IN_BATCH]
            found += [_listing(row) for row in self.session.scalars(
                query.where(BlocklistListingRow.entry.in_(chunk)))]
        return sorted(found, key=lambda listing: (listing.entry, listing.zone))

    def listing(self, zone: str, entry: str, *, for_update: bool = False) -> StoredListing | None:
        query = select(BlocklistListingRow).where(BlocklistListingRow.zone == zone,
                                                  BlocklistListingRow.entry == entry)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return _listing(row) if row is not None else None

    def save_listing(self, listing: StoredListing) -> StoredListing:
        values = _listing_values(listing)
        if listing.id == 0:
            row = BlocklistListingRow(**values)
            self.session.add(row)
            try:
                self.session.flush()
            except IntegrityError:
                raise Conflict(f"{listing.entry} on {listing.zone} was recorded by another "
                               "sweep meanwhile") from None
            return _listing(row)
        self.session.execute(update(BlocklistListingRow)
                             .where(BlocklistListingRow.id == listing.id).values(**values))
        return listing

    def touch(self, checked: Sequence[tuple[int, datetime]]) -> None:
        """Set "last checked" of listings whose state did not change, in one statement."""
        if checked:
            self.session.execute(update(BlocklistListingRow), [
                {"id": listing_id, "last_checked_at": at} for listing_id, at in checked])

    # -- changes -------------------------------------------------------------------------
    def add_change(self, change: ListingChange) -> ListingChange:
        row = BlocklistChangeRow(
            listing_id=change.listing_id, sweep_id=change.sweep_id,
            transition=change.transition.value, observed_at=change.observed_at,
            codes=list(change.codes), meanings=list(change.meanings), txt=list(change.txt),
            complaint_id=change.complaint_id, prior_case_id=change.prior_case_id,
            case_id=change.case_id, applied_at=change.applied_at, outcome=change.outcome)
        self.session.add(row)
        self.session.flush()
        listing = self.session.get(BlocklistListingRow, change.listing_id)
        assert listing is not None
        return _change(row, listing)

    def change(self, change_id: int, *, for_update: bool = False) -> ListingChange | None:
        query = (select(BlocklistChangeRow, BlocklistListingRow)
                 .join(BlocklistListingRow,
                       BlocklistListingRow.id == BlocklistChangeRow.listing_id)
                 .where(BlocklistChangeRow.id == change_id))
        if for_update:
            query = query.with_for_update(of=BlocklistChangeRow)
        found = self.session.execute(query).first()
        return _change(found[0], found[1]) if found is not None else None

    def changes(self, *, listing_ids: Collection[int] | None = None, pending: bool = False,
                limit: int = 1000) -> Sequence[ListingChange]:
        """Oldest first, so that pending work is applied in the order it was seen."""
        query = (select(BlocklistChangeRow, BlocklistListingRow)
                 .join(BlocklistListingRow,
                       BlocklistListingRow.id == BlocklistChangeRow.listing_id)
                 .order_by(BlocklistChangeRow.id).limit(limit))
        if listing_ids is not None:
            query = query.where(BlocklistChangeRow.listing_id.in_(list(listing_ids)))
        if pending:
            query = query.where(BlocklistChangeRow.applied_at.is_(None))
        return [_change(change, listing) for change, listing in self.session.execute(query)]

    def save_change(self, change: ListingChange) -> None:
        """Write what applying the change did (case, outcome, when)."""
        self.session.execute(
            update(BlocklistChangeRow).where(BlocklistChangeRow.id == change.id).values(
                case_id=change.case_id, applied_at=change.applied_at,
                outcome=change.outcome[:2000] if change.outcome else None))

    # -- sweeps --------------------------------------------------------------------------
    def start_sweep(self, *, trigger: str, scope: str, at: datetime,
                    lease_until: datetime) -> SweepRecord:
        # A running sweep whose lease ran out died without finishing: release its lock.
        self.session.execute(
            update(BlocklistSweepRow)
            .where(BlocklistSweepRow.status == RUNNING, BlocklistSweepRow.lease_until < at)
            .values(status="abandoned", finished_at=at,
                    detail="the sweep stopped renewing its lease (the process ended)"))
        row = BlocklistSweepRow(trigger=trigger, scope=scope, status=RUNNING, started_at=at,
                                lease_until=lease_until, targets=0, queries=0, listed=0,
                                errors=0, changes={})
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            running = self.session.scalars(
                select(BlocklistSweepRow).where(BlocklistSweepRow.status == RUNNING)).first()
            since = f" since {running.started_at:%Y-%m-%d %H:%M} UTC ({running.trigger})" \
                if running is not None else ""
            raise Conflict(f"another blocklist sweep is running{since}; one sweep runs at "
                           "a time") from None
        return _sweep(row)

    def renew_sweep(self, sweep_id: int, lease_until: datetime) -> None:
        self.session.execute(
            update(BlocklistSweepRow)
            .where(BlocklistSweepRow.id == sweep_id, BlocklistSweepRow.status == RUNNING)
            .values(lease_until=lease_until))

    def finish_sweep(self, record: SweepRecord) -> None:
        row = self.session.get(BlocklistSweepRow, record.id)
        if row is None:
            raise NotFound(f"no blocklist sweep {record.id}")
        row.status, row.finished_at, row.detail = record.status, record.finished_at, \
            record.detail
        row.targets, row.queries, row.listed, row.errors = (
            record.targets, record.queries, record.listed, record.errors)
        row.changes = dict(record.changes)

    def sweeps(self, *, scope: str | None = None, limit: int = 10) -> Sequence[SweepRecord]:
        """Newest first."""
        query = select(BlocklistSweepRow).order_by(BlocklistSweepRow.started_at.desc(),
                                                   BlocklistSweepRow.id.desc()).limit(limit)
        if scope is not None:
            query = query.where(BlocklistSweepRow.scope == scope)
        return [_sweep(row) for row in self.session.scalars(query)]
