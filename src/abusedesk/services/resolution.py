"""Resolution: which customer held an address, name, URL or e-mail domain at a moment.

The service keeps a ``ResolutionIndex`` in memory, built from every asset window in the
database, and the customer hierarchy beside it (to name the party to notify). Any
process may change the assets (an import in another worker, on another machine); each
such change bumps a counter in the database, and the service compares its counter with
the stored one at most every ``check_seconds`` before answering, rebuilding when they
differ. ``invalidate`` forces the comparison (the customer service calls it after its
own imports, so a process sees its own changes at once).

Names are matched by the public suffix list bundled with ``publicsuffixlist``; it is
never fetched.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from abusedesk.domain.clock import as_utc
from abusedesk.domain.customers import CustomerNode, notify_party
from abusedesk.domain.customers_index import AFTER_ALL, BEFORE_ALL, IndexedWindow, ResolutionIndex
from abusedesk.domain.customers_values import Query, QueryKind, parse_query
from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import registrable_domain
from abusedesk.domain.ports import UnitOfWork
from abusedesk.domain.resolution import Resolution


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view: the index, the hierarchy, and the counter they were built at."""

    index: ResolutionIndex
    nodes: dict[int, CustomerNode]
    notify: dict[int, int]
    stamp: int


def build_snapshot(uow: UnitOfWork) -> Snapshot:
    """Read every asset window and the hierarchy in one transaction."""
    stamp = uow.customers.stamp()  # first: a later change then only makes us rebuild again
    nodes = uow.customers.nodes()
    index = ResolutionIndex(uow.customers.index_rows(), registrable_domain)
    notify = {customer_id: notify_party(customer_id, nodes).id for customer_id in nodes}
    return Snapshot(index, nodes, notify, stamp)


class ResolutionService:
    """The ``Resolver`` of abusedesk (``abusedesk.domain.resolution``)."""

    def __init__(self, uow: Callable[[], UnitOfWork], *, check_seconds: float = 1.0) -> None:
        self._uow = uow
        self._check_seconds = check_seconds
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Compare with the stored counter before the next answer."""
        self._checked_at = 0.0

    def snapshot(self) -> Snapshot:
        """The current view, rebuilt first when the assets changed."""
        now = monotonic_time.monotonic()
        current = self._snapshot
        if current is not None and now - self._checked_at < self._check_seconds:
            return current
        with self._lock:
            if self._snapshot is not None and self._checked_at > now:
                return self._snapshot  # another thread checked while we waited
            with self._uow() as uow:
                stored = uow.customers.stamp()
                if self._snapshot is None or self._snapshot.stamp != stored:
                    self._snapshot = build_snapshot(uow)
            self._checked_at = monotonic_time.monotonic()
            return self._snapshot

    def resolve(self, value: str, *, at: datetime) -> Resolution:
        """Resolve an IP address, host name, URL or e-mail address at time ``at``.

        What is not ours comes back with ``customer_id`` None and ``reason`` saying why,
        including values that are no resource at all.
        """
        moment = as_utc(at)
        try:
            query = parse_query(value)
        except InvalidInput as error:
            return Resolution(query=value, at=moment, reason=str(error))
        return answer(self.snapshot(), query, value, moment)


def answer(snapshot: Snapshot, query: Query, value: str, at: datetime) -> Resolution:
    """The resolution of a parsed query against one snapshot."""
    seconds = at.timestamp()
    index = snapshot.index
    if query.kind is QueryKind.ADDRESS:
        window = index.lookup_address(query.key, seconds)
        if window is None:
            nearest = index.longest_prefix(query.key)
            reason = (f"{query.key} is in no prefix of any customer" if nearest is None else
                      f"{query.key} is in {nearest.matched}, but no customer held it (or a "
                      f"larger block around it) at {at:%Y-%m-%d %H:%M:%S} UTC")
            return Resolution(query=value, at=at, reason=reason)
        return _ours(snapshot, window, value, at)
    if query.kind is QueryKind.ASN:
        window, entry = index.lookup_asn(query.key, seconds)
        if window is None:
            reason = (f"{query.key} is held by no customer" if entry is None else
                      f"no customer held {query.key} at {at:%Y-%m-%d %H:%M:%S} UTC")
            return Resolution(query=value, at=at, reason=reason)
        return _ours(snapshot, window, value, at)
    found = index.lookup_name(query.key, seconds)
    if found.window is not None:
        return _ours(snapshot, found.window, value, at)
    if found.registrable is None:
        reason = f"{query.key} is a public suffix: no customer can hold it"
    elif found.nearest is not None:
        reason = (f"{query.key} is under {found.nearest.matched}, but no customer held that "
                  f"at {at:%Y-%m-%d %H:%M:%S} UTC")
    else:
        reason = (f"no customer holds {query.key}, nor any domain above it up to "
                  f"{found.registrable}")
    return Resolution(query=value, at=at, reason=reason)


def _time(seconds: float) -> datetime | None:
    if seconds in (BEFORE_ALL, AFTER_ALL):
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _ours(snapshot: Snapshot, window: IndexedWindow, value: str, at: datetime) -> Resolution:
    customer = snapshot.nodes[window.customer_id]
    notify = snapshot.nodes[snapshot.notify[window.customer_id]]
    return Resolution(
        query=value, at=at,
        customer_id=customer.id, customer_name=customer.name, customer_ref=customer.ref,
        asset_id=window.asset_id, matched=window.matched, asset_kind=window.kind.value,
        valid_from=_time(window.valid_from), valid_until=_time(window.valid_until),
        notify_customer_id=notify.id, notify_customer_ref=notify.ref,
        notify_customer_name=notify.name,
    )
