"""All PII detectors over one text, overlaps settled, in text order.

Detectors run in ``DETECTORS`` order; a hit that overlaps an earlier detector's is dropped,
so a card number is not also reported as a phone number, nor an SSN as a passport.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

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


def find_pii(text: str, detectors: Iterable[Detector] = DETECTORS) -> list[Hit]:
    """Every PII hit in ``text``, ordered by offset; overlaps go to the earlier detector."""
    kept: list[tuple[int, int, Hit]] = []
    for detector in detectors:
        for hit in detector(text):
            end = hit.offset + hit.length
            if any(start < end and hit.offset < stop for start, stop, _ in kept):
                continue
            kept.append((hit.offset, end, hit))
    return [hit for _, _, hit in sorted(kept, key=lambda item: item[0])]

