"""What a scan finds: one ``Finding`` per hit, with its value already masked.

Detectors return ``Hit`` (where in one text, how sure); the scanner adds the location of
the item the text came from. ``mask`` is the one place values are hidden, so no caller can
keep a full card number or IBAN by mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_NON_DIGIT = re.compile(r"\D")


class FindingKind(StrEnum):
    """What a finding is evidence of; each kind maps to one XARF type (docs/scanning.md)."""

    PRIVATE_DATA = "private-data"  # content.7 Private Information
    MALWARE = "malware"  # content.8 Viruses


@dataclass(frozen=True, slots=True)
class Hit:
    """One detector's hit in one text: masked value, where it stands, confidence 0-1."""

    detector: str
    masked: str
    offset: int  # characters from the start of the text
    length: int  # characters as written, separators included
    confidence: float
    label: str | None = None  # card brand, IBAN country, document kind


@dataclass(frozen=True, slots=True)
class Finding:
    """A hit placed in its input: ``location`` names the item (``dump.zip!/users.csv``)."""

    kind: FindingKind
    detector: str
    masked: str
    location: str
    offset: int | None
    line: int | None
    confidence: float
    label: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "detector": self.detector,
            "label": self.label,
            "masked": self.masked,
            "location": self.location,
            "offset": self.offset,
            "line": self.line,
            "confidence": round(self.confidence, 2),
        }


def digits_of(written: str) -> str:
    """The digits of a number as written, its spaces, dashes and brackets dropped."""
    return _NON_DIGIT.sub("", written)


def mask(value: str, *, keep: int = 4) -> str:
    """``value`` without separators, every character but the last ``keep`` as ``*``."""
    compact = "".join(ch for ch in value if ch.isalnum())
    shown = compact[-keep:] if keep > 0 else ""
    return "*" * (len(compact) - len(shown)) + shown


def mask_email(address: str) -> str:
    """``j***@example.com``: the first character of the local part and the domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"

