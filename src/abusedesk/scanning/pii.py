"""All PII detectors over one text, overlaps settled, in text order.

Detectors run in ``DETECTORS`` order; a hit that overlaps an earlier detector's is dropped,
so a card number is not also reported as a phone number, nor an SSN as a passport.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from abusedesk.scanning.cards import find_cards
from abusedesk.scanning.emails import find_emails
from abusedesk.scanning.findings import Hit
from abusedesk.scanning.ibans import find_ibans
from abusedesk.scanning.identity import find_passports, find_ssns
from abusedesk.scanning.phones import find_phones

Detector = Callable[[str], Iterator[Hit]]

#: Every PII detector, most specific first (the first of two overlapping hits wins).
DETECTORS: tuple[Detector, ...] = (
    find_cards, find_ibans, find_ssns, find_passports, find_emails, find_phones,
)


def find_pii(text: str, detectors: Iterable[Detector] = DETECTORS, *,
             limit: int | None = None) -> list[Hit]:
    """Every PII hit in ``text``, ordered by offset; overlaps go to the earlier detector.

    With ``limit``, each detector stops after ``limit`` hits (a caller keeping ``limit``
    hits needs no more, and a file of a million addresses costs no more than its first).
    """
    kept: list[tuple[int, int, Hit]] = []  # disjoint, sorted by start (so by end too)
    for detector in detectors:
        for hit in islice(detector(text), limit):
            end = hit.offset + hit.length
            index = bisect_right(kept, hit.offset, key=lambda item: item[0])
            if index and kept[index - 1][1] > hit.offset:
                continue  # overlaps the hit starting before it
            if index < len(kept) and kept[index][0] < end:
                continue  # overlaps the hit starting after it
            insort(kept, (hit.offset, end, hit), key=lambda item: item[0])
    return [hit for _, _, hit in kept]
