"""Customers, assets, consents, agreement terms, carriers and policy notices in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from abusedesk.adapters.db.repositories import in_chunks
from abusedesk.adapters.db.tables.customers import (
    CustomerAssetRow,
    CustomerCarrierRow,
    CustomerClauseTermsRow,
    CustomerConsentRow,
    CustomerRow,
    PolicyNoticeRow,
    ResolutionStampRow,
)
from abusedesk.domain.customers import (
    Agreement,
    Asset,
    AssetKind,
    ClauseTerms,
    Consent,
    Customer,
    CustomerDraft,
    CustomerKind,
    CustomerNode,
    PolicyNotice,
    Representative,
)
from abusedesk.domain.customers_index import IndexRow
from abusedesk.domain.customers_values import format_deadline, parse_deadline, parse_ladder


def _asset(row: CustomerAssetRow) -> Asset:
    return Asset(row.id, row.customer_id, AssetKind(row.kind), row.value, row.valid_from,
                 row.valid_until)


class SqlCustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- customers ------------------------------------------------------------------

    def get(self, customer_id: int) -> Customer | None:
        row = self.session.get(CustomerRow, customer_id)
        return self._customers([row])[0] if row is not None else None

    def by_refs(self, refs: Collection[str]) -> dict[str, Customer]:
        rows: list[CustomerRow] = []
        for chunk in in_chunks(refs):
            rows.extend(self.session.scalars(select(CustomerRow).where(CustomerRow.ref.in_(chunk))))
        return {customer.ref: customer for customer in self._customers(rows)}

    def all(self) -> Sequence[Customer]:
        rows = list(self.session.scalars(select(CustomerRow).order_by(CustomerRow.ref)))
        return self._customers(rows)

    def nodes(self) -> dict[int, CustomerNode]:
        query = select(CustomerRow.id, CustomerRow.ref, CustomerRow.name, CustomerRow.kind,
                       CustomerRow.parent_id)
        return {row.id: CustomerNode(row.id, row.ref, row.name, CustomerKind(row.kind),
                                     row.parent_id)
                for row in self.session.execute(query)}

    def names(self, customer_ids: Collection[int]) -> dict[int, str]:
        result: dict[int, str] = {}
        for chunk in in_chunks(sorted(set(customer_ids))):
            query = select(CustomerRow.id, CustomerRow.name).where(CustomerRow.id.in_(chunk))
            result.update({customer_id: name for customer_id, name in self.session.execute(query)})
        return result

    def descendants(self, customer_id: int) -> frozenset[int]:
        # A recursive query down ix_customers_parent_id reads only the customers below, not
        # the whole hierarchy; UNION (not UNION ALL) ends even on a loop of parents.
        below = (select(CustomerRow.id).where(CustomerRow.parent_id == customer_id)
                 .cte("below", recursive=True))
        below = below.union(select(CustomerRow.id).join(below, CustomerRow.parent_id == below.c.id))
        return frozenset(self.session.scalars(select(below.c.id)))

    def _customers(self, rows: list[CustomerRow]) -> list[Customer]:
        """Rows with their carriers, terms and consents (three queries per chunk)."""
        carriers: dict[int, list[str]] = defaultdict(list)
        terms: dict[int, list[ClauseTerms]] = defaultdict(list)
        consents: dict[int, list[Consent]] = defaultdict(list)
        for chunk in in_chunks([row.id for row in rows]):
            for c in self.session.scalars(
                    select(CustomerCarrierRow).where(CustomerCarrierRow.customer_id.in_(chunk))
                    .order_by(CustomerCarrierRow.carrier_id)):
                carriers[c.customer_id].append(c.carrier_id)
            for t in self.session.scalars(
                    select(CustomerClauseTermsRow)
                    .where(CustomerClauseTermsRow.customer_id.in_(chunk))
                    .order_by(CustomerClauseTermsRow.clause_id)):
                terms[t.customer_id].append(ClauseTerms(
                    t.clause_id, parse_deadline(t.deadline) if t.deadline else None,
                    parse_ladder(t.ladder) if t.ladder is not None else None))
            for k in self.session.scalars(
                    select(CustomerConsentRow).where(CustomerConsentRow.customer_id.in_(chunk))
                    .order_by(CustomerConsentRow.id)):
                consents[k.customer_id].append(Consent(
                    k.kind, tuple(k.scope), k.valid_from, k.valid_until, k.granted_by,
                    k.document))
        return [
            Customer(
                id=row.id, ref=row.ref, name=row.name, kind=CustomerKind(row.kind),
                parent_id=row.parent_id,
                representative=Representative(row.rep_name, row.rep_email, row.rep_phone,
                                              row.rep_verified_at) if row.rep_email else None,
                carriers=tuple(carriers[row.id]),
                agreement=Agreement(row.resale_allowed, tuple(terms[row.id])),
                consents=tuple(consents[row.id]),
                created_at=row.created_at, updated_at=row.updated_at,
            )
            for row in rows
        ]

    def add(self, draft: CustomerDraft, *, at: datetime) -> int:
        row = CustomerRow(ref=draft.ref, created_at=at)
        self._fill(row, draft, at)
        self.session.add(row)
        self.session.flush()
        self._write_parts(row.id, draft, replace=False)
        return row.id

    def update(self, customer_id: int, draft: CustomerDraft, *, at: datetime) -> None:
        row = self.session.get_one(CustomerRow, customer_id)
        self._fill(row, draft, at)
        self._write_parts(customer_id, draft, replace=True)
        self.session.flush()

    @staticmethod
    def _fill(row: CustomerRow, draft: CustomerDraft, at: datetime) -> None:
        rep = draft.representative
        row.name = draft.name
        row.kind = draft.kind.value
        row.parent_id = draft.parent_id
        row.rep_name = rep.name if rep else None
        row.rep_email = rep.email if rep else None
        row.rep_phone = rep.phone if rep else None
        row.rep_verified_at = rep.verified_at if rep else None
        row.resale_allowed = draft.agreement.resale_allowed
        row.updated_at = at

    def _write_parts(self, customer_id: int, draft: CustomerDraft, *, replace: bool) -> None:
        if replace:
            for table in (CustomerCarrierRow, CustomerClauseTermsRow, CustomerConsentRow):
                self.session.query(table).filter(table.customer_id == customer_id).delete()
        self.session.add_all(CustomerCarrierRow(customer_id=customer_id, carrier_id=carrier)
                             for carrier in draft.carriers)
        self.session.add_all(
            CustomerClauseTermsRow(
                customer_id=customer_id, clause_id=t.clause_id,
                deadline=format_deadline(t.deadline) if t.deadline else None,
                ladder=[a.value for a in t.ladder] if t.ladder is not None else None)
            for t in draft.agreement.clauses)
        self.session.add_all(
            CustomerConsentRow(customer_id=customer_id, kind=c.kind, scope=list(c.scope),
                               valid_from=c.valid_from, valid_until=c.valid_until,
                               granted_by=c.granted_by, document=c.document)
            for c in draft.consents)
        self.session.flush()

    # ---- assets ---------------------------------------------------------------------

    def assets_of(self, customer_ids: Collection[int]) -> Sequence[Asset]:
        result: list[Asset] = []
        for chunk in in_chunks(customer_ids):
            query = (select(CustomerAssetRow).where(CustomerAssetRow.customer_id.in_(chunk))
                     .order_by(CustomerAssetRow.customer_id, CustomerAssetRow.kind,
                               CustomerAssetRow.value, CustomerAssetRow.id))
            result.extend(_asset(row) for row in self.session.scalars(query))
        return result

    def assets_with_values(self, keys: Collection[tuple[AssetKind, str]]) -> Sequence[Asset]:
        result: list[Asset] = []
        for chunk in in_chunks([(kind.value, value) for kind, value in keys]):
            query = select(CustomerAssetRow).where(
                tuple_(CustomerAssetRow.kind, CustomerAssetRow.value).in_(chunk))
            result.extend(_asset(row) for row in self.session.scalars(query))
        return result

    def add_asset(self, customer_id: int, kind: AssetKind, value: str, *,
                  valid_from: datetime | None, valid_until: datetime | None,
                  at: datetime) -> int:
        row = CustomerAssetRow(customer_id=customer_id, kind=kind.value, value=value,
                               valid_from=valid_from, valid_until=valid_until, created_at=at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def end_asset(self, asset_id: int, valid_until: datetime | None) -> None:
        self.session.execute(update(CustomerAssetRow).where(CustomerAssetRow.id == asset_id)
                             .values(valid_until=valid_until))

    def delete_asset(self, asset_id: int) -> None:
        self.session.query(CustomerAssetRow).filter(CustomerAssetRow.id == asset_id).delete()

    def index_rows(self) -> Iterator[IndexRow]:
        query = select(CustomerAssetRow.id, CustomerAssetRow.customer_id, CustomerAssetRow.kind,
                       CustomerAssetRow.value, CustomerAssetRow.valid_from,
                       CustomerAssetRow.valid_until)
        kinds = {kind.value: kind for kind in AssetKind}
        for row in self.session.execute(query.execution_options(yield_per=10_000)):
            yield IndexRow(row[0], row[1], kinds[row[2]], row[3], row[4], row[5])

    # ---- change stamp and notices -----------------------------------------------------

    def stamp(self) -> int:
        return self.session.scalar(select(ResolutionStampRow.version)) or 0

    def lock_stamp(self) -> None:
        # SQLite has no row locks (and needs none: BEGIN IMMEDIATE holds the write lock).
        self.session.execute(select(ResolutionStampRow.id).where(ResolutionStampRow.id == 1)
                             .with_for_update())

    def bump_stamp(self, *, at: datetime) -> int:
        self.session.execute(update(ResolutionStampRow).where(ResolutionStampRow.id == 1)
                             .values(version=ResolutionStampRow.version + 1, changed_at=at))
        return self.stamp()

    def record_policy_notice(self, policy_version_id: int, *, noticed_at: datetime,
                             customer_ids: Collection[int] | None = None) -> int:
        noticed = select(PolicyNoticeRow.customer_id).where(
            PolicyNoticeRow.policy_version_id == policy_version_id)
        query = select(CustomerRow.id).where(CustomerRow.id.not_in(noticed))
        targets: Iterable[int] = self.session.scalars(query).all()
        if customer_ids is not None:
            wanted = set(customer_ids)
            targets = [i for i in targets if i in wanted]
        rows = [{"policy_version_id": policy_version_id, "customer_id": customer_id,
                 "noticed_at": noticed_at} for customer_id in targets]
        if rows:
            self.session.execute(insert(PolicyNoticeRow), rows)
        return len(rows)

    def notices_of(self, customer_id: int) -> Sequence[PolicyNotice]:
        query = (select(PolicyNoticeRow).where(PolicyNoticeRow.customer_id == customer_id)
                 .order_by(PolicyNoticeRow.noticed_at, PolicyNoticeRow.id))
        return [PolicyNotice(row.policy_version_id, row.customer_id, row.noticed_at)
                for row in self.session.scalars(query)]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(CustomerRow)) or 0
