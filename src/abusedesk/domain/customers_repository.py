"""The customer repository port: what services need from customer storage."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from abusedesk.domain.customers import (
    Asset,
    AssetKind,
    Customer,
    CustomerDraft,
    CustomerNode,
    PolicyNotice,
)
from abusedesk.domain.customers_index import IndexRow


class CustomerRepository(Protocol):
    def get(self, customer_id: int) -> Customer | None: ...

    def by_refs(self, refs: Collection[str]) -> dict[str, Customer]: ...

    def all(self) -> Sequence[Customer]:
        """Every customer, ordered by ref."""
        ...

    def nodes(self) -> dict[int, CustomerNode]:
        """The whole hierarchy, by id (cheap: no details)."""
        ...

    def names(self, customer_ids: Collection[int]) -> dict[int, str]:
        """The names of the given customers (one read per few hundred ids); unknown ids are
        left out."""
        ...

    def descendants(self, customer_id: int) -> frozenset[int]:
        """The ids of every customer below ``customer_id`` (its children, theirs ...), read
        without loading the rest of the hierarchy."""
        ...

    def add(self, draft: CustomerDraft, *, at: datetime) -> int: ...

    def update(self, customer_id: int, draft: CustomerDraft, *, at: datetime) -> None: ...

    def assets_of(self, customer_ids: Collection[int]) -> Sequence[Asset]: ...

    def assets_with_values(self, keys: Collection[tuple[AssetKind, str]]) -> Sequence[Asset]: ...

    def add_asset(self, customer_id: int, kind: AssetKind, value: str, *,
                  valid_from: datetime | None, valid_until: datetime | None,
                  at: datetime) -> int: ...

    def end_asset(self, asset_id: int, valid_until: datetime | None) -> None: ...

    def delete_asset(self, asset_id: int) -> None: ...

    def index_rows(self) -> Iterator[IndexRow]:
        """Every asset window, streamed, for building the resolution index."""
        ...

    def stamp(self) -> int:
        """The change counter of customers and assets."""
        ...

    def lock_stamp(self) -> None:
        """Hold the change counter's row until the transaction ends: one import at a time."""
        ...

    def bump_stamp(self, *, at: datetime) -> int:
        """Increment the change counter in this transaction (it also serialises imports)."""
        ...

    def record_policy_notice(self, policy_version_id: int, *, noticed_at: datetime,
                             customer_ids: Collection[int] | None = None) -> int:
        """Record notice of a version to the given customers (default: every customer)
        that have none yet; returns how many were recorded."""
        ...

    def notices_of(self, customer_id: int) -> Sequence[PolicyNotice]: ...
