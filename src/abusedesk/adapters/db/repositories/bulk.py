"""No-send entries, opt-in evidence requests and affiliates in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from abusedesk.adapters.db.repositories import in_chunks
from abusedesk.adapters.db.tables.bulk import AffiliateRow, NoSendEntryRow, OptInRequestRow
from abusedesk.domain.bulk import (
    Affiliate,
    AffiliateStatus,
    NoSendEntry,
    NoSendSource,
    OptInRequest,
)


def _entry(row: NoSendEntryRow) -> NoSendEntry:
    return NoSendEntry(id=row.id, customer_id=row.customer_id,
                       address_sha256=row.address_sha256, hint=row.hint,
                       source=NoSendSource(row.source), added_at=row.added_at,
                       added_by=row.added_by, complaint_id=row.complaint_id, note=row.note)


def _request(row: OptInRequestRow) -> OptInRequest:
    return OptInRequest(
        id=row.id, customer_id=row.customer_id, case_id=row.case_id,
        address_sha256=row.address_sha256, hint=row.hint, clause_id=row.clause_id,
        requested_at=row.requested_at, due_at=row.due_at, requested_by=row.requested_by,
        answered_at=row.answered_at, answered_by=row.answered_by, evidence=row.evidence,
        overdue_at=row.overdue_at, notice_id=row.notice_id)


def _affiliate(row: AffiliateRow) -> Affiliate:
    return Affiliate(id=row.id, customer_id=row.customer_id, name=row.name,
                     domains=tuple(str(d) for d in row.domains),
                     status=AffiliateStatus(row.status), added_at=row.added_at,
                     updated_at=row.updated_at, note=row.note)


_REQUEST_FIELDS = ("customer_id", "case_id", "address_sha256", "hint", "clause_id",
                   "requested_at", "due_at", "requested_by", "answered_at", "answered_by",
                   "evidence", "overdue_at", "notice_id")


class SqlBulkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- no-send lists ------------------------------------------------------------------
    def no_send(self, customer_id: int) -> Sequence[NoSendEntry]:
        rows = self.session.scalars(select(NoSendEntryRow).where(
            NoSendEntryRow.customer_id == customer_id).order_by(NoSendEntryRow.id))
        return [_entry(row) for row in rows]

    def no_send_entries(self, customer_id: int,
                        digests: Sequence[str]) -> dict[str, NoSendEntry]:
        found: dict[str, NoSendEntry] = {}
        for chunk in in_chunks(set(digests)):
            rows = self.session.scalars(select(NoSendEntryRow).where(
                NoSendEntryRow.customer_id == customer_id,
                NoSendEntryRow.address_sha256.in_(chunk)))
            found.update((row.address_sha256, _entry(row)) for row in rows)
        return found

    def add_no_send(self, *, customer_id: int, address_sha256: str, hint: str,
                    source: NoSendSource, added_at: datetime, added_by: str,
                    complaint_id: int | None = None,
                    note: str | None = None) -> NoSendEntry | None:
        # Read first: a concurrent insert of the same address fails on the unique
        # constraint, and the job or command that lost is retried and finds the row.
        existing = self.session.scalar(select(NoSendEntryRow.id).where(
            NoSendEntryRow.customer_id == customer_id,
            NoSendEntryRow.address_sha256 == address_sha256))
        if existing is not None:
            return None
        row = NoSendEntryRow(customer_id=customer_id, address_sha256=address_sha256,
                             hint=hint, source=source.value, added_at=added_at,
                             added_by=added_by[:200], complaint_id=complaint_id, note=note)
        self.session.add(row)
        self.session.flush()
        return _entry(row)

    def remove_no_send(self, customer_id: int, address_sha256: str) -> bool:
        result = self.session.execute(delete(NoSendEntryRow).where(
            NoSendEntryRow.customer_id == customer_id,
            NoSendEntryRow.address_sha256 == address_sha256))
        return bool(getattr(result, "rowcount", 0))

    # -- opt-in evidence requests ----------------------------------------------------------
    def add_request(self, request: OptInRequest) -> OptInRequest:
        row = OptInRequestRow(**{name: getattr(request, name) for name in _REQUEST_FIELDS})
        self.session.add(row)
        self.session.flush()
        return _request(row)

    def request(self, request_id: int, *, for_update: bool = False) -> OptInRequest | None:
        query = select(OptInRequestRow).where(OptInRequestRow.id == request_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return _request(row) if row else None

    def request_for_notice(self, notice_id: int) -> OptInRequest | None:
        row = self.session.scalars(select(OptInRequestRow).where(
            OptInRequestRow.notice_id == notice_id)).first()
        return _request(row) if row else None

    def requests(self, *, customer_id: int | None = None, case_id: int | None = None,
                 customer_ids: Sequence[int] | None = None,
                 open_only: bool = False) -> Sequence[OptInRequest]:
        query = select(OptInRequestRow).order_by(OptInRequestRow.id)
        if customer_id is not None:
            query = query.where(OptInRequestRow.customer_id == customer_id)
        if customer_ids is not None:
            query = query.where(OptInRequestRow.customer_id.in_(list(customer_ids)))
        if case_id is not None:
            query = query.where(OptInRequestRow.case_id == case_id)
        if open_only:
            query = query.where(OptInRequestRow.answered_at.is_(None))
        return [_request(row) for row in self.session.scalars(query)]

    def overdue(self, now: datetime, *, limit: int) -> Sequence[int]:
        return list(self.session.scalars(
            select(OptInRequestRow.id).where(
                OptInRequestRow.answered_at.is_(None), OptInRequestRow.overdue_at.is_(None),
                OptInRequestRow.due_at <= now)
            .order_by(OptInRequestRow.due_at, OptInRequestRow.id).limit(limit)))

    def save_request(self, request: OptInRequest) -> OptInRequest:
        row = self.session.get_one(OptInRequestRow, request.id)
        for name in _REQUEST_FIELDS:
            setattr(row, name, getattr(request, name))
        self.session.flush()
        return _request(row)

    # -- affiliates ---------------------------------------------------------------------
    def affiliates(self, customer_id: int) -> Sequence[Affiliate]:
        rows = self.session.scalars(select(AffiliateRow).where(
            AffiliateRow.customer_id == customer_id).order_by(AffiliateRow.name))
        return [_affiliate(row) for row in rows]

    def affiliate(self, customer_id: int, name: str) -> Affiliate | None:
        row = self.session.scalars(select(AffiliateRow).where(
            AffiliateRow.customer_id == customer_id, AffiliateRow.name == name)).first()
        return _affiliate(row) if row else None

    def save_affiliate(self, affiliate: Affiliate) -> Affiliate:
        row = AffiliateRow() if affiliate.id == 0 else self.session.get_one(
            AffiliateRow, affiliate.id)
        row.customer_id = affiliate.customer_id
        row.name = affiliate.name
        row.domains = list(affiliate.domains)
        row.status = affiliate.status.value
        row.added_at = affiliate.added_at
        row.updated_at = affiliate.updated_at
        row.note = affiliate.note
        if affiliate.id == 0:
            self.session.add(row)
        self.session.flush()
        return _affiliate(row)
