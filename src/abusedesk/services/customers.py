"""Customers: import and export, listing and details, and the questions cases ask.

Cases need two answers from a customer's agreement: "does customer C hold a written
consent of kind K covering resource R at time T" (``consent_for``) and "what deadline and
ladder apply to clause X for customer C" (``clause_for``). A partner's customer is
covered by its own consents and terms and, failing those, by its partner's: the partner's
agreement with the provider governs what it resells.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from abusedesk.domain.clock import Clock, as_utc
from abusedesk.domain.customers import (
    Asset,
    ClauseTerms,
    Consent,
    Customer,
    CustomerKind,
    CustomerNode,
    PolicyNotice,
    notify_party,
)
from abusedesk.domain.errors import InvalidInput, NotFound, Remedy
from abusedesk.domain.policy import Action, Clause, Deadline, Policy
from abusedesk.domain.ports import StoredPolicy, UnitOfWork
from abusedesk.services.customers_export import ExportedCustomer, write_csv, write_json
from abusedesk.services.customers_import import CustomerImporter, ImportReport
from abusedesk.services.policies import PolicyService, published_at

SAMPLE_FILE = "customers.json"


def sample_text() -> str:
    """The fictional sample customers shipped with abusedesk (docs/customers.md)."""
    return resources.files("abusedesk.sample").joinpath(SAMPLE_FILE).read_text("utf-8")


def find_customer(uow: UnitOfWork, ref_or_id: str | int) -> Customer:
    """A customer by reference (``C-1001``) or id; ``NotFound`` otherwise.

    An ``int`` is always an id: callers that have checked who may see a customer pass its
    id, never its id as text, which a customer whose reference is that number would match.
    """
    if isinstance(ref_or_id, int):
        by_id = uow.customers.get(ref_or_id)
        if by_id is None:
            raise NotFound(f"no customer {ref_or_id}", remedy=Remedy.FIND_CUSTOMER)
        return by_id
    text = ref_or_id.strip()
    found = uow.customers.by_refs([text]).get(text)
    if found is None and text.isdigit():
        found = uow.customers.get(int(text))
    if found is None:
        raise NotFound(f"no customer {ref_or_id!r}", remedy=Remedy.FIND_CUSTOMER)
    return found


def customer_chain(uow: UnitOfWork, customer_id: int,
                   cache: dict[int, Customer | None] | None = None) -> list[Customer]:
    """The customer, then each party above it: the Customer's Agreement of the nearest one
    that speaks to a question wins (a partner's terms cover its customers)."""
    cache = {} if cache is None else cache
    chain: list[Customer] = []
    current: int | None = customer_id
    while current is not None and all(member.id != current for member in chain):
        if current not in cache:
            cache[current] = uow.customers.get(current)
        customer = cache[current]
        if customer is None:
            break
        chain.append(customer)
        current = customer.parent_id
    return chain


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    customer: Customer
    parent_ref: str | None
    notify_ref: str
    open_assets: int


@dataclass(frozen=True, slots=True)
class BindingPolicy:
    """The policy version that binds a customer at a moment, and the notices behind it."""

    stored: StoredPolicy | None
    noticed_at: datetime | None
    pending: tuple[tuple[StoredPolicy, datetime], ...]  # noticed, not yet in force


@dataclass(frozen=True, slots=True)
class CustomerDetails:
    customer: Customer
    parent: CustomerNode | None
    notify: CustomerNode
    children: tuple[CustomerNode, ...]
    assets: tuple[Asset, ...]
    binding: BindingPolicy


@dataclass(frozen=True, slots=True)
class ClauseForCustomer:
    """A clause's deadline and ladder for one customer, and whose agreement set them."""

    deadline: Deadline
    ladder: tuple[Action, ...]
    overridden_by: str | None  # the ref of the customer whose terms apply, None: the policy


class CustomerService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, policies: PolicyService,
                 *, on_change: Callable[[], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._policies = policies
        self._on_change = on_change

    # ---- import and export ------------------------------------------------------------

    def import_text(self, text: str, *, fmt: str, partial: bool = False,
                    dry_run: bool = False) -> ImportReport:
        """Import a file's text; see ``abusedesk.services.customers_import``."""
        importer = CustomerImporter(self._uow, self._clock, self._policy_in_force)
        report = importer.run(text, fmt, partial=partial, dry_run=dry_run)
        if report.applied and self._on_change is not None:
            self._on_change()
        return report

    def import_sample(self) -> ImportReport:
        return self.import_text(sample_text(), fmt="json")

    def export(self, fmt: str = "json") -> str:
        """Every customer with every asset window, in the import format ``fmt``."""
        if fmt not in ("json", "csv"):
            raise InvalidInput(f"unknown format {fmt!r}: use json or csv")
        with self._uow() as uow:
            customers = uow.customers.all()
            nodes = uow.customers.nodes()
            assets = uow.customers.assets_of([c.id for c in customers])
        by_customer: dict[int, list[Asset]] = {}
        for asset in assets:
            by_customer.setdefault(asset.customer_id, []).append(asset)
        exported = [
            ExportedCustomer(c, nodes[c.parent_id].ref if c.parent_id else None,
                             tuple(sorted(by_customer.get(c.id, ()), key=_asset_order)))
            for c in customers
        ]
        return write_csv(exported) if fmt == "csv" else write_json(exported)

    def _policy_in_force(self) -> Policy | None:
        try:
            return self._policies.in_force().stored.policy
        except NotFound:
            return None

    # ---- reading ----------------------------------------------------------------------

    def summaries(self, *, partner: str | None = None) -> Sequence[CustomerSummary]:
        """Every customer (or a partner's own customers), with whom notices go to."""
        now = self._clock.now()
        with self._uow() as uow:
            customers = uow.customers.all()
            nodes = uow.customers.nodes()
            assets = uow.customers.assets_of([c.id for c in customers])
        open_count: dict[int, int] = {}
        for asset in assets:
            if asset.is_valid_at(now):
                open_count[asset.customer_id] = open_count.get(asset.customer_id, 0) + 1
        partner_id = self._node(nodes, partner).id if partner is not None else None
        return [
            CustomerSummary(c, nodes[c.parent_id].ref if c.parent_id else None,
                            notify_party(c.id, nodes).ref, open_count.get(c.id, 0))
            for c in customers if partner_id is None or c.parent_id == partner_id
        ]

    def get(self, ref_or_id: str) -> Customer:
        with self._uow() as uow:
            return find_customer(uow, ref_or_id)

    def kind_of(self, customer_id: int) -> CustomerKind:
        """Whether customer ``customer_id`` is a customer or a partner; NotFound if unknown."""
        with self._uow() as uow:
            customer = uow.customers.get(customer_id)
        if customer is None:
            raise NotFound(f"no customer with id {customer_id}")
        return customer.kind

    def descendants(self, customer_id: int) -> frozenset[int]:
        """Every customer below ``customer_id`` (children, their children ...).

        Asked on every request of a partner's token or portal session, so it reads only
        that part of the hierarchy."""
        with self._uow() as uow:
            return uow.customers.descendants(customer_id)

    def names(self, customer_ids: Collection[int]) -> dict[int, str]:
        """The names of the given customers; unknown ids are left out."""
        with self._uow() as uow:
            return uow.customers.names(customer_ids)

    def details(self, ref_or_id: str, *, at: datetime | None = None) -> CustomerDetails:
        """A customer with its place in the hierarchy, assets and binding policy version."""
        moment = as_utc(at) if at else self._clock.now()
        with self._uow() as uow:
            customer = find_customer(uow, ref_or_id)
            nodes = uow.customers.nodes()
            assets = uow.customers.assets_of([customer.id])
            notices = uow.customers.notices_of(customer.id)
            published = uow.policies.published()
        return CustomerDetails(
            customer=customer,
            parent=nodes[customer.parent_id] if customer.parent_id else None,
            notify=notify_party(customer.id, nodes),
            children=tuple(sorted((n for n in nodes.values() if n.parent_id == customer.id),
                                  key=lambda n: n.ref)),
            assets=tuple(sorted(assets, key=_asset_order)),
            binding=binding_policy(published, notices, moment),
        )

    @staticmethod
    def _node(nodes: dict[int, CustomerNode], ref: str) -> CustomerNode:
        for node in nodes.values():
            if node.ref == ref or str(node.id) == ref:
                return node
        raise NotFound(f"no customer {ref!r}")

    # ---- questions from cases ---------------------------------------------------------

    def consent_for(self, customer_id: int, kind: str, resource: str,
                    at: datetime) -> Consent | None:
        """The written consent of ``kind`` covering ``resource`` at ``at`` that the customer
        (or a partner above it) holds, or None."""
        moment = as_utc(at)
        for customer in self._chain(customer_id):
            for consent in customer.consents:
                if (consent.kind == kind and consent.is_valid_at(moment)
                        and consent.covers(resource)):
                    return consent
        return None

    def terms_for(self, customer_id: int, clause_id: str) -> tuple[Customer, ClauseTerms] | None:
        """The agreement terms overriding ``clause_id`` for the customer, and whose they are."""
        for customer in self._chain(customer_id):
            terms = customer.agreement.terms_for(clause_id)
            if terms is not None:
                return customer, terms
        return None

    def clause_for(self, customer_id: int, clause: Clause) -> ClauseForCustomer:
        """The clause's deadline and ladder after the customer's agreement overrides them."""
        found = self.terms_for(customer_id, clause.id)
        if found is None:
            return ClauseForCustomer(clause.deadline, clause.ladder, None)
        owner, terms = found
        return ClauseForCustomer(terms.deadline or clause.deadline,
                                 terms.ladder if terms.ladder is not None else clause.ladder,
                                 owner.ref)

    def _chain(self, customer_id: int) -> list[Customer]:
        """The customer, then its parent, up to the top."""
        with self._uow() as uow:
            chain = customer_chain(uow, customer_id)
        if not chain:
            raise NotFound(f"no customer with id {customer_id}")
        return chain


def binding_policy(published: Sequence[StoredPolicy], notices: Sequence[PolicyNotice],
                   at: datetime) -> BindingPolicy:
    """The latest version in force at ``at`` that the customer was given notice of.

    A customer with no notice on record (imported before any publication, say) is bound
    by the version in force; ``noticed_at`` is then None.
    """
    noticed = {notice.policy_version_id: notice.noticed_at for notice in notices}
    split = published_at(published, at)
    bound = [p for p in split.in_force if p.id in noticed]
    pending = tuple((p, noticed[p.id]) for p in split.pending if p.id in noticed)
    if bound:
        return BindingPolicy(bound[-1], noticed[bound[-1].id], pending)
    fallback = split.in_force[-1] if split.in_force else (published[0] if published else None)
    return BindingPolicy(fallback, None, pending)


def _asset_order(asset: Asset) -> tuple[str, str, float]:
    return (asset.kind.value, asset.value,
            asset.valid_from.timestamp() if asset.valid_from else float("-inf"))
