"""Customer records as an import file states them, and the errors found in them.

A ``CustomerRecord`` is one customer as one file describes it, already normalised (the
file readers in ``abusedesk.services.customers_files`` do that and report what they
cannot read as ``RowError`` with the line). ``given`` names the optional parts the file
stated: a part the file leaves out is left as stored, a part it states replaces what is
stored (``"consents": []`` removes every consent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from abusedesk.domain.customers import (
    Agreement,
    AssetKind,
    Consent,
    CustomerKind,
    Representative,
)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row (a CSV line, a JSON customer) was rejected; ``line`` is 1-based."""

    line: int
    ref: str | None
    message: str

    def __str__(self) -> str:
        who = f" (customer {self.ref})" if self.ref else ""
        return f"line {self.line}{who}: {self.message}"


@dataclass(frozen=True, slots=True)
class AssetEntry:
    """One asset window a file states for a customer; ``None`` bounds were not given."""

    kind: AssetKind
    value: str
    valid_from: datetime | None
    valid_until: datetime | None
    line: int


@dataclass(slots=True)
class CustomerRecord:
    """One customer as a file states it; ``line`` is the first line that spoke of it."""

    ref: str
    line: int
    name: str
    kind: CustomerKind = CustomerKind.CUSTOMER
    parent: str | None = None
    representative: Representative | None = None
    carriers: tuple[str, ...] = ()
    agreement: Agreement = field(default_factory=Agreement)
    consents: tuple[Consent, ...] = ()
    assets: list[AssetEntry] = field(default_factory=list)
    given: set[str] = field(default_factory=set)

    def states(self, part: str) -> bool:
        return part in self.given
