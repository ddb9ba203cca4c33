"""Customers of the provider: the hierarchy, representatives, agreements, consents, assets.

A customer is a direct customer of the provider, a wholesale partner, or a partner's own
customer (a customer whose ``parent_id`` names a partner). The party to notify about a
customer is the top of its chain: the provider has its agreement with that party, and a
partner answers for every customer below it (SPEC, Introduction).

Agreement terms override a clause's deadline or ladder for one customer (the Customer's
Agreement controls on conflict); written consents (scanning, vulnerability testing ...)
turn an otherwise reportable activity into a matter of record while they cover the
resource and the moment. Assets carry validity windows ``[valid_from, valid_until)``;
``None`` at either end means unbounded.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from abusedesk.domain.policy import Action, Deadline


class CustomerKind(StrEnum):
    CUSTOMER = "customer"
    PARTNER = "partner"  # a wholesale partner: resells, answers for its own customers


class AssetKind(StrEnum):
    PREFIX = "prefix"      # an IPv4 or IPv6 prefix (a single address is a /32 or /128)
    DOMAIN = "domain"      # a domain and every name under it
    HOSTNAME = "hostname"  # exactly one name
    ASN = "asn"            # an autonomous system number, "AS64496"


@dataclass(frozen=True, slots=True)
class Representative:
    """The customer's designated abuse representative (AUP, Notification Responsibilities 1)."""

    name: str | None
    email: str
    phone: str | None = None
    verified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClauseTerms:
    """A customer's agreement overriding one clause: its deadline, its ladder, or both."""

    clause_id: str
    deadline: Deadline | None = None
    ladder: tuple[Action, ...] | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    """What the Customer's Agreement changes in the policy for this customer."""

    resale_allowed: bool = False
    clauses: tuple[ClauseTerms, ...] = ()

    def terms_for(self, clause_id: str) -> ClauseTerms | None:
        for terms in self.clauses:
            if terms.clause_id == clause_id:
                return terms
        return None


@dataclass(frozen=True, slots=True)
class Consent:
    """A written consent: what kind, over which resources, for which time, by whom.

    ``scope`` holds prefixes ("198.51.100.0/24"), domains ("example.net", covering its
    subdomains) and host names; an empty scope covers nothing.
    """

    kind: str
    scope: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None
    granted_by: str
    document: str | None = None

    def is_valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)

    def covers(self, resource: str) -> bool:
        """True when ``resource`` (an address, a prefix or a host name) is inside the scope."""
        return any(_scope_covers(entry, resource) for entry in self.scope)


@dataclass(frozen=True, slots=True)
class Asset:
    """One validity window of one resource held by one customer."""

    id: int
    customer_id: int
    kind: AssetKind
    value: str
    valid_from: datetime | None
    valid_until: datetime | None

    def is_valid_at(self, at: datetime) -> bool:
        return window_covers(self.valid_from, self.valid_until, at)


def window_covers(valid_from: datetime | None, valid_until: datetime | None,
                  at: datetime) -> bool:
    """True when the window ``[valid_from, valid_until)`` (None: unbounded) holds ``at``."""
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer as stored; ``carriers`` are carrier ids of the policy (slugs)."""

    id: int
    ref: str
    name: str
    kind: CustomerKind
    parent_id: int | None
    representative: Representative | None
    carriers: tuple[str, ...]
    agreement: Agreement
    consents: tuple[Consent, ...]
    created_at: datetime
    updated_at: datetime

    @property
    def is_partner(self) -> bool:
        return self.kind is CustomerKind.PARTNER


@dataclass(frozen=True, slots=True)
class PolicyNotice:
    """A record that a customer was given notice of a policy version."""

    policy_version_id: int
    customer_id: int
    noticed_at: datetime


def notify_party(customer_id: int, nodes: Mapping[int, CustomerNode]) -> CustomerNode:
    """The customer answering to the provider for ``customer_id``: the top of its chain.

    ``nodes`` is the hierarchy by id. A broken or cyclic chain (which imports refuse)
    stops at the last customer seen rather than looping.
    """
    current = nodes[customer_id]
    seen = {customer_id}
    while (parent := current.parent_id) is not None and parent not in seen and parent in nodes:
        seen.add(parent)
        current = nodes[parent]
    return current


def _scope_covers(entry: str, resource: str) -> bool:
    entry = entry.strip().lower()
    resource = resource.strip().lower().rstrip(".")
    try:
        scope_net = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        scope_net = None
    if scope_net is not None:
        try:
            target = ipaddress.ip_network(resource, strict=False)
        except ValueError:
            return False
        return target.version == scope_net.version and target.subnet_of(scope_net)  # type: ignore[arg-type]
    entry = entry.rstrip(".")
    return resource == entry or resource.endswith("." + entry)


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """Everything about a customer that a write sets, before it has an id."""

    ref: str
    name: str
    kind: CustomerKind
    parent_id: int | None
    representative: Representative | None
    carriers: tuple[str, ...]
    agreement: Agreement
    consents: tuple[Consent, ...]

    @classmethod
    def of(cls, customer: Customer) -> CustomerDraft:
        return cls(customer.ref, customer.name, customer.kind, customer.parent_id,
                   customer.representative, customer.carriers, customer.agreement,
                   customer.consents)


@dataclass(frozen=True, slots=True)
class CustomerNode:
    """A customer's place in the hierarchy, without its details."""

    id: int
    ref: str
    name: str
    kind: CustomerKind
    parent_id: int | None
