"""Master no-send lists and affiliate registries (Bulk Emailers (1), (2) and (4)).

``suppress_complainants`` is called by complaint processing inside the transaction that
stores a complaint's events: every complainant a spam report names is put on the no-send
list of the customer the report resolved to, once (a replay finds the entry and adds
nothing). ``BulkService`` is what the CLI and the API use to read and keep the lists and
the affiliates by hand. See ``abusedesk.domain.bulk`` for why addresses are stored hashed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from abusedesk.domain.bulk import (
    FEEDBACK_LOOP_FORMATS,
    Affiliate,
    AffiliateStatus,
    NoSendEntry,
    NoSendSource,
    address_digest,
    address_hint,
    complainant_addresses,
    normalise_address,
)
from abusedesk.domain.clock import Clock
from abusedesk.domain.complaints_events import ResolvedEvent
from abusedesk.domain.customers import Customer
from abusedesk.domain.errors import Conflict, InvalidInput, NotFound
from abusedesk.domain.events import EventRole
from abusedesk.domain.names import normalise_name
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import record
from abusedesk.services.customers import find_customer

#: What a list addition by processing records as its author.
PROCESSING_ACTOR = "processing"
#: Addresses per add, remove or check call.
MAX_ADDRESSES = 1000
_SPAM = "messaging"


def suppress_complainants(uow: UnitOfWork, *, complaint_id: int, format: str | None,
                          events: Sequence[ResolvedEvent], clock: Clock) -> int:
    """Add each complainant named by a spam event of a complaint to the no-send list of the
    customer the event resolved to; returns how many entries were new.

    Only ``messaging`` events (spam, bulk mail) of an offender resolved to a customer count;
    the address comes from the event's recipient details (``complainant_addresses``).
    """
    added = 0
    source = NoSendSource.FEEDBACK_LOOP if format in FEEDBACK_LOOP_FORMATS \
        else NoSendSource.COMPLAINANT
    for resolved in events:
        event = resolved.event
        customer_id = resolved.resolution.customer_id if resolved.resolution else None
        if event.category != _SPAM or event.role is not EventRole.OFFENDER \
                or customer_id is None:
            continue
        for address in complainant_addresses(event.details):
            entry = uow.bulk.add_no_send(
                customer_id=customer_id, address_sha256=address_digest(address),
                hint=address_hint(address), source=source, added_at=clock.now(),
                added_by=PROCESSING_ACTOR, complaint_id=complaint_id)
            added += entry is not None
    return added


@dataclass(frozen=True, slots=True)
class AddressCheck:
    """Whether one address given to ``check`` is on the list (``entry``) or not."""

    address: str
    address_sha256: str
    entry: NoSendEntry | None

    @property
    def listed(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True, slots=True)
class NoSendAddition:
    """What ``add`` did: the new entries, and how many of the distinct addresses given
    (compared after normalising: ``A@x`` and ``a@x`` are one) were listed already."""

    added: list[NoSendEntry]
    already_listed: int


def _addresses(addresses: Sequence[str]) -> list[str]:
    if not addresses:
        raise InvalidInput("give at least one e-mail address")
    if len(addresses) > MAX_ADDRESSES:
        raise InvalidInput(f"at most {MAX_ADDRESSES} addresses at once")
    return list(dict.fromkeys(normalise_address(a) for a in addresses))


class BulkService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def customer(self, ref_or_id: str | int) -> Customer:
        with self._uow() as uow:
            return find_customer(uow, ref_or_id)

    # -- no-send list -------------------------------------------------------------------
    def no_send(self, ref_or_id: str | int) -> tuple[Customer, Sequence[NoSendEntry]]:
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            return customer, uow.bulk.no_send(customer.id)

    def add(self, ref_or_id: str, addresses: Sequence[str], *, actor: str,
            source: NoSendSource = NoSendSource.MANUAL,
            note: str | None = None) -> NoSendAddition:
        """List the addresses (those already listed are left as they are)."""
        wanted = _addresses(addresses)
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            added = [entry for address in wanted if (entry := uow.bulk.add_no_send(
                customer_id=customer.id, address_sha256=address_digest(address),
                hint=address_hint(address), source=source, added_at=self._clock.now(),
                added_by=actor, note=note)) is not None]
            if added:
                record(uow, self._clock, actor=actor, action="bulk.no-send.add",
                       subject_type="customer", subject_id=customer.id, reason=note,
                       data={"source": source.value,
                             "entries": [entry.address_sha256 for entry in added]})
            uow.commit()
        return NoSendAddition(added, len(wanted) - len(added))

    def remove(self, ref_or_id: str, addresses: Sequence[str], *, actor: str,
               reason: str) -> int:
        """Take addresses off the list (the recipient opted in again); audited with why."""
        if not reason.strip():
            raise InvalidInput("say why the address may be sent to again (--reason)")
        wanted = _addresses(addresses)
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            removed = [digest for digest in map(address_digest, wanted)
                       if uow.bulk.remove_no_send(customer.id, digest)]
            if removed:
                record(uow, self._clock, actor=actor, action="bulk.no-send.remove",
                       subject_type="customer", subject_id=customer.id, reason=reason,
                       data={"entries": removed})
            uow.commit()
        return len(removed)

    def check(self, ref_or_id: str | int, addresses: Sequence[str]) -> list[AddressCheck]:
        """Which of ``addresses`` are on the customer's list, in the order given."""
        wanted = _addresses(addresses)
        digests = [address_digest(a) for a in wanted]
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            found = uow.bulk.no_send_entries(customer.id, digests)
        return [AddressCheck(a, d, found.get(d)) for a, d in zip(wanted, digests, strict=True)]

    # -- affiliates ---------------------------------------------------------------------
    def affiliates(self, ref_or_id: str) -> tuple[Customer, Sequence[Affiliate]]:
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            return customer, uow.bulk.affiliates(customer.id)

    def add_affiliate(self, ref_or_id: str, name: str, domains: Sequence[str], *,
                      actor: str, note: str | None = None) -> Affiliate:
        """Register an affiliate with the domains it sends as; a known name is a conflict."""
        name = " ".join(name.split())[:200]
        if not name:
            raise InvalidInput("name the affiliate")
        hosts = tuple(dict.fromkeys(normalise_name(d) for d in domains))
        now = self._clock.now()
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            if uow.bulk.affiliate(customer.id, name) is not None:
                raise Conflict(f"{customer.ref} already has an affiliate {name!r}")
            saved = uow.bulk.save_affiliate(Affiliate(
                id=0, customer_id=customer.id, name=name, domains=hosts,
                status=AffiliateStatus.ACTIVE, added_at=now, updated_at=now, note=note))
            record(uow, self._clock, actor=actor, action="bulk.affiliate.add",
                   subject_type="customer", subject_id=customer.id, reason=note,
                   data={"affiliate": name, "domains": list(hosts)})
            uow.commit()
        return saved

    def block_affiliate(self, ref_or_id: str, name: str, *, actor: str,
                        reason: str) -> Affiliate:
        """Record that the customer blocked an affiliate (links off, traffic to a 404)."""
        if not reason.strip():
            raise InvalidInput("say why the affiliate is blocked (--reason)")
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            found = uow.bulk.affiliate(customer.id, " ".join(name.split()))
            if found is None:
                raise NotFound(f"{customer.ref} has no affiliate {name!r}")
            saved = uow.bulk.save_affiliate(replace(
                found, status=AffiliateStatus.BLOCKED, updated_at=self._clock.now(),
                note=reason))
            record(uow, self._clock, actor=actor, action="bulk.affiliate.block",
                   subject_type="customer", subject_id=customer.id, reason=reason,
                   data={"affiliate": found.name})
            uow.commit()
        return saved
