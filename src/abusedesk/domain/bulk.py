"""Bulk-email compliance (Bulk Emailers (1)-(4)): no-send lists, opt-in requests, affiliates.

A customer that sends bulk mail must remove complainants at once, keep a master no-send
list, show confirmed opt-in within 24 hours of a request, and control its affiliates.

Addresses are kept as the SHA-256 of their normalised form, never in plain text: the list is
handed to the customer (API, export), and a feedback loop that redacted the complainant must
not have that redaction undone by us. A customer matches the list against the addresses it
holds by hashing them the same way (``address_digest``); staff see a masked ``hint``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from abusedesk.domain.errors import InvalidInput
from abusedesk.domain.names import normalise_name

#: The clause whose deadline times an opt-in evidence request (24 hours in the reference AUP).
OPTIN_CLAUSE = "bulk-email.1"
#: Event details that name the complaining recipient: ARF ``Removal-Recipient`` (and
#: ``Original-Rcpt-To`` should a parser keep it), Hotmail JMRP's ``X-HmXmrOriginalRecipient``,
#: Amazon SES ``complainedRecipients``.
RECIPIENT_DETAILS = ("removal_recipient", "original_rcpt_to", "original_recipient",
                     "complained_recipients")
#: Report formats that are feedback loops (a mailbox provider reporting its user's click).
FEEDBACK_LOOP_FORMATS = frozenset({"arf", "jmrp", "ses"})
MAX_ADDRESS = 320
_LOCAL = re.compile(r"^[^@\s<>(),;:\"\[\]]{1,64}$")
_REDACTED_LOCAL = re.compile(r"^(?:redacted|[x*#.]+)$")


class NoSendSource(StrEnum):
    """How an address came onto a customer's no-send list."""

    FEEDBACK_LOOP = "feedback-loop"  # a mailbox provider's feedback report
    COMPLAINANT = "complainant-request"  # the recipient complained or asked to be removed
    MANUAL = "manual"  # staff added it
    IMPORT = "import"  # a list taken over from the customer or elsewhere


class AffiliateStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"  # links blocked, traffic sent to a 404 page (Bulk Emailers (4)(b))


def normalise_address(text: str) -> str:
    """The comparable form of an e-mail address: trimmed, unbracketed, lower case, the
    domain as ``normalise_name`` spells it (IDNs in punycode).

    The whole address is lower-cased although local parts may be case-sensitive: a no-send
    list that errs towards suppressing is the safe side. Raises ``InvalidInput``.
    """
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    local, at, domain = value.strip().strip("<>").strip().lower().rpartition("@")
    if not at or not _LOCAL.match(local):
        raise InvalidInput(f"{text[:80]!r} is not an e-mail address")
    try:
        host = normalise_name(domain)
    except InvalidInput:
        raise InvalidInput(f"{text[:80]!r} is not an e-mail address") from None
    if "." not in host or len(local) + 1 + len(host) > MAX_ADDRESS:
        raise InvalidInput(f"{text[:80]!r} is not an e-mail address")
    return f"{local}@{host}"


def address_digest(address: str) -> str:
    """The SHA-256 (hex) of the normalised address, as lists store and customers compute."""
    return hashlib.sha256(normalise_address(address).encode("utf-8")).hexdigest()


def address_hint(address: str) -> str:
    """A masked form staff can tell entries apart by: ``r***@mailbox.example``."""
    local, _, domain = normalise_address(address).partition("@")
    return f"{local[:1]}***@{domain}"


def complainant_addresses(details: Mapping[str, str | None]) -> list[str]:
    """The normalised complainant addresses an event's details name, redactions left out."""
    found: list[str] = []
    for key in RECIPIENT_DETAILS:
        for piece in re.split(r"[,;\s]+", details.get(key) or ""):
            try:
                address = normalise_address(piece) if piece else None
            except InvalidInput:
                continue
            if address and not _REDACTED_LOCAL.match(address.partition("@")[0]) \
                    and address not in found:
                found.append(address)
    return found


@dataclass(frozen=True, slots=True)
class NoSendEntry:
    id: int
    customer_id: int
    address_sha256: str
    hint: str
    source: NoSendSource
    added_at: datetime
    added_by: str
    complaint_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OptInRequest:
    """A request for the confirmed opt-in record of one recipient, due within the clause's
    deadline; ``overdue_at`` is when the deadline check found it unanswered."""

    id: int
    customer_id: int
    case_id: int
    address_sha256: str
    hint: str
    clause_id: str
    requested_at: datetime
    due_at: datetime
    requested_by: str
    answered_at: datetime | None = None
    answered_by: str | None = None
    evidence: str | None = None
    overdue_at: datetime | None = None
    notice_id: int | None = None  # the notice that told the customer's representative

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


@dataclass(frozen=True, slots=True)
class Affiliate:
    id: int
    customer_id: int
    name: str
    domains: tuple[str, ...]
    status: AffiliateStatus
    added_at: datetime
    updated_at: datetime
    note: str | None = None


class BulkRepository(Protocol):
    """No-send entries, opt-in requests and affiliates (``abusedesk.adapters.db``)."""

    def no_send(self, customer_id: int) -> Sequence[NoSendEntry]:
        """The customer's list, oldest first."""
        ...

    def no_send_entries(self, customer_id: int,
                        digests: Sequence[str]) -> dict[str, NoSendEntry]: ...

    def add_no_send(self, *, customer_id: int, address_sha256: str, hint: str,
                    source: NoSendSource, added_at: datetime, added_by: str,
                    complaint_id: int | None = None,
                    note: str | None = None) -> NoSendEntry | None:
        """Add an entry; None (nothing written) when the address is already listed."""
        ...

    def remove_no_send(self, customer_id: int, address_sha256: str) -> bool: ...

    def add_request(self, request: OptInRequest) -> OptInRequest: ...

    def request(self, request_id: int, *, for_update: bool = False) -> OptInRequest | None: ...

    def request_for_notice(self, notice_id: int) -> OptInRequest | None: ...

    def requests(self, *, customer_id: int | None = None, case_id: int | None = None,
                 customer_ids: Sequence[int] | None = None,
                 open_only: bool = False) -> Sequence[OptInRequest]:
        """Oldest first; ``customer_ids`` narrows to those customers (a partner's view)."""
        ...

    def overdue(self, now: datetime, *, limit: int) -> Sequence[int]:
        """Ids of unanswered requests due by ``now`` not yet flagged overdue."""
        ...

    def save_request(self, request: OptInRequest) -> OptInRequest: ...

    def affiliates(self, customer_id: int) -> Sequence[Affiliate]: ...

    def affiliate(self, customer_id: int, name: str) -> Affiliate | None: ...

    def save_affiliate(self, affiliate: Affiliate) -> Affiliate:
        """Insert (``id`` 0) or update."""
        ...

