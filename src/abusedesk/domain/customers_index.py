"""The in-memory resolution index: which asset covered a resource at a moment.

Prefixes live in two pytricia tries (IPv4, IPv6), names and ASNs in dictionaries. Each
key holds an ``IndexedWindow``: the resource's latest validity window, with the earlier
windows of the same resource in ``older``. A lookup takes the longest matching prefix
(or the longest matching name suffix); when none of that key's windows covers the moment
it falls back to the next shorter prefix (or suffix), so an address reassigned out of a
larger block resolves to the block's holder before the reassignment.

Times are POSIX seconds (floats) here, unbounded ends are -inf/+inf: the address lookup
is on the hot path of every complaint, and a float comparison is the cheapest test. The
index is immutable once built; a change to the assets builds a new one.
"""

from __future__ import annotations

import math
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import pytricia

from abusedesk.domain.customers import AssetKind, window_covers

BEFORE_ALL = -math.inf
AFTER_ALL = math.inf


class IndexedWindow(NamedTuple):
    """One validity window of one resource, as the index holds it."""

    valid_from: float
    valid_until: float
    asset_id: int
    customer_id: int
    matched: str  # the prefix, domain, host name or ASN as stored
    kind: AssetKind
    older: tuple[IndexedWindow, ...]  # the resource's other windows, latest first


@dataclass(frozen=True, slots=True)
class IndexRow:
    """An asset window as read from storage, the input of ``ResolutionIndex``."""

    asset_id: int
    customer_id: int
    kind: AssetKind
    value: str
    valid_from: datetime | None
    valid_until: datetime | None

    def is_valid_at(self, at: datetime) -> bool:
        return window_covers(self.valid_from, self.valid_until, at)


@dataclass(frozen=True, slots=True)
class NameLookup:
    """The answer for a name: the window that covered it, or why none did."""

    window: IndexedWindow | None
    registrable: str | None  # None: the name is itself a public suffix
    nearest: IndexedWindow | None = None  # a key that matched, but not at that time


def covering(entry: IndexedWindow, at: float) -> IndexedWindow | None:
    """The window of ``entry``'s resource (its own or an older one) covering ``at``."""
    if entry.valid_from <= at < entry.valid_until:
        return entry
    for window in entry.older:
        if window.valid_from <= at < window.valid_until:
            return window
    return None


class ResolutionIndex:
    """Longest-prefix and longest-suffix matching over assets with validity windows.

    ``registrable`` maps a name to its registrable domain by the public suffix list
    (None for a public suffix); it is passed in so this module stays free of data files.
    """

    def __init__(self, rows: Iterable[IndexRow],
                 registrable: Callable[[str], str | None]) -> None:
        self._registrable = registrable
        self._v4 = pytricia.PyTricia(32)
        self._v6 = pytricia.PyTricia(128, socket.AF_INET6)
        self._domains: dict[str, IndexedWindow] = {}
        self._hostnames: dict[str, IndexedWindow] = {}
        self._asns: dict[str, IndexedWindow] = {}
        for (kind, value), windows in _grouped(rows).items():
            if kind is AssetKind.PREFIX:
                (self._v6 if ":" in value else self._v4).insert(value, windows)
            else:
                self._table(kind)[value] = windows
        # Frozen tries answer about twice as fast; the index is never changed after this.
        self._v4.freeze()
        self._v6.freeze()
        self.lookup_address = self._address_lookup()

    def _table(self, kind: AssetKind) -> dict[str, IndexedWindow]:
        if kind is AssetKind.DOMAIN:
            return self._domains
        return self._hostnames if kind is AssetKind.HOSTNAME else self._asns

    def _address_lookup(self) -> Callable[[str, float], IndexedWindow | None]:
        get4, get6 = self._v4.get, self._v6.get
        fallback = self._parent_window

        def lookup_address(address: str, at: float) -> IndexedWindow | None:
            """The window covering canonical ``address`` (or prefix) at ``at``, or None."""
            entry: IndexedWindow | None = (get6 if ":" in address else get4)(address)
            if entry is None:
                return None
            # entry[0], entry[1]: valid_from, valid_until (indexing a tuple is the fastest read)
            if entry[0] <= at < entry[1]:
                return entry
            return fallback(entry, at)

        return lookup_address

    def _parent_window(self, entry: IndexedWindow, at: float) -> IndexedWindow | None:
        trie = self._v6 if ":" in entry.matched else self._v4
        current: IndexedWindow | None = entry
        while current is not None:
            found = covering(current, at)
            if found is not None:
                return found
            parent: str | None = trie.parent(current.matched)
            current = trie.get(parent) if parent is not None else None
        return None  # no window of the prefix or of any shorter one covers the moment

    def longest_prefix(self, address: str) -> IndexedWindow | None:
        """The longest prefix holding ``address`` at any time (to explain a miss)."""
        entry: IndexedWindow | None = (self._v6 if ":" in address else self._v4).get(address)
        return entry

    def lookup_name(self, name: str, at: float) -> NameLookup:
        """Exact host name first, then domains from the longest suffix down to the
        registrable domain; the first window covering ``at`` wins."""
        registrable = self._registrable(name)
        if registrable is None:
            return NameLookup(None, None)
        nearest: IndexedWindow | None = None
        host = self._hostnames.get(name)
        if host is not None:
            found = covering(host, at)
            if found is not None:
                return NameLookup(found, registrable)
            nearest = host
        candidate = name
        while True:
            entry = self._domains.get(candidate)
            if entry is not None:
                found = covering(entry, at)
                if found is not None:
                    return NameLookup(found, registrable)
                nearest = nearest or entry
            if candidate == registrable or "." not in candidate:
                return NameLookup(None, registrable, nearest)
            candidate = candidate.split(".", 1)[1]

    def lookup_asn(self, asn: str, at: float) -> tuple[IndexedWindow | None, IndexedWindow | None]:
        """(covering window, the ASN's entry whatever the time)."""
        entry = self._asns.get(asn)
        return (covering(entry, at) if entry is not None else None), entry


def _grouped(rows: Iterable[IndexRow]) -> dict[tuple[AssetKind, str], IndexedWindow]:
    """One chained ``IndexedWindow`` per resource, latest window first."""
    by_key: dict[tuple[AssetKind, str], list[IndexRow]] = defaultdict(list)
    for row in rows:
        by_key[(row.kind, row.value)].append(row)
    # Many windows share their bounds (one import date, "open"): share the float objects.
    seconds: dict[datetime | None, float] = {}

    def stamp(moment: datetime | None, unbounded: float) -> float:
        if moment is None:
            return unbounded
        value = seconds.get(moment)
        if value is None:
            value = seconds[moment] = moment.timestamp()
        return value

    # tuple.__new__ skips the NamedTuple constructor's argument parsing: a million windows
    # build several seconds faster.
    make = tuple.__new__
    result: dict[tuple[AssetKind, str], IndexedWindow] = {}
    for key, group in by_key.items():
        if len(group) == 1:
            r = group[0]
            result[key] = make(IndexedWindow, (
                stamp(r.valid_from, BEFORE_ALL), stamp(r.valid_until, AFTER_ALL), r.asset_id,
                r.customer_id, r.value, r.kind, ()))
            continue
        windows = sorted(
            ((stamp(r.valid_from, BEFORE_ALL), stamp(r.valid_until, AFTER_ALL), r.asset_id,
              r.customer_id, r.value, r.kind, ()) for r in group),
            key=lambda w: (w[0], w[2]), reverse=True)
        older = tuple(make(IndexedWindow, w) for w in windows[1:])
        result[key] = make(IndexedWindow, windows[0][:6] + (older,))
    return result
