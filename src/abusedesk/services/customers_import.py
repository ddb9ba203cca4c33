"""Importing customers: read a file, check it against storage and the policy, write it.

An import is one transaction. Rows that cannot be read, and records that contradict
storage or the policy (an unknown parent or carrier, a clause the policy does not have,
a window that overlaps another customer's), are rejected with their line numbers. With
errors, nothing is written unless ``partial`` is asked for; then every record without
an error is written and the rejected ones are left as they were. A rejected partner
takes its customers with it when they cannot stand without it.

Re-importing a file changes nothing (customers are matched by ``ref``, asset windows by
their start); the asset window rules are in ``abusedesk.domain.customers_windows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from abusedesk.domain.clock import Clock
from abusedesk.domain.customers import Customer, CustomerDraft, CustomerKind, CustomerNode
from abusedesk.domain.customers_records import CustomerRecord, RowError
from abusedesk.domain.customers_windows import Move, StoredWindow, plan_windows
from abusedesk.domain.policy import Policy
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.customers_files import read_customers
from abusedesk.services.policies import published_at

#: The parts of a record a file may leave out (then kept as stored), by the field of
#: ``CustomerDraft`` each one sets.
_DRAFT_FIELDS = {"kind": "kind", "parent": "parent_id", "representative": "representative",
                 "carriers": "carriers", "agreement": "agreement", "consents": "consents"}


@dataclass(slots=True)
class ImportReport:
    """What an import did, or would have done; ``applied`` is False when nothing was kept."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected_refs: list[str] = field(default_factory=list)
    assets_added: int = 0
    assets_changed: int = 0
    released: list[tuple[str, str, datetime]] = field(default_factory=list)  # ref, value, at
    moves: list[Move] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.assets_added or self.assets_changed)


class CustomerImporter:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: Callable[[], Policy | None]) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy

    def run(self, text: str, fmt: str, *, partial: bool = False,
            dry_run: bool = False) -> ImportReport:
        """Import ``text`` in format ``fmt`` ("json" or "csv")."""
        records, read_errors = read_customers(text, fmt)
        report = ImportReport(errors=list(read_errors), dry_run=dry_run)
        accepted = _unique(records, report)
        policy = self._policy()
        now = self._clock.now()
        with self._uow() as uow:
            uow.customers.lock_stamp()
            nodes = uow.customers.nodes()
            stored = uow.customers.by_refs([r.ref for r in accepted.values()])
            windows = _stored_windows(uow, accepted.values(), stored, nodes)
            while True:
                tree = _Hierarchy.of(accepted, stored, nodes)
                errors = [error for record in accepted.values()
                          for error in _check(record, tree, stored, policy)]
                claims = {ref: r.assets for ref, r in accepted.items() if r.states("assets")}
                plan = plan_windows(claims, windows, now)
                errors += plan.errors
                if not errors:
                    break
                report.errors.extend(errors)
                before = len(accepted)
                for error in errors:
                    accepted.pop(error.ref or "", None)
                if len(accepted) == before:  # cannot happen: every error names a record
                    accepted.clear()
            report.errors.sort(key=lambda e: e.line)
            report.rejected_refs = sorted({e.ref for e in report.errors if e.ref})
            if report.errors and not partial:
                return report
            ids = {node.ref: node.id for node in nodes.values()}
            new_ids = self._write_customers(uow, accepted, stored, ids, report, now)
            for window_id, end in plan.ends.items():
                uow.customers.end_asset(window_id, end)
            for window_id in plan.deletes:
                uow.customers.delete_asset(window_id)
            for new in plan.creates:
                uow.customers.add_asset(ids[new.customer_ref], new.kind, new.value,
                                        valid_from=new.valid_from, valid_until=new.valid_until,
                                        at=now)
            report.assets_added = len(plan.creates)
            report.assets_changed = plan.updated + len(plan.deletes)
            report.moves = plan.moves
            report.released = [(w.customer_ref, w.value, now) for w in plan.released]
            if report.changed_anything or plan.released:
                uow.customers.bump_stamp(at=now)
            self._notice_new_customers(uow, new_ids, now)
            if not dry_run:
                uow.commit()
                report.applied = True
        return report

    def _write_customers(self, uow: UnitOfWork, accepted: dict[str, CustomerRecord],
                         stored: dict[str, Customer], ids: dict[str, int],
                         report: ImportReport, now: datetime) -> list[int]:
        new_ids: list[int] = []
        for record in _parents_first(accepted):
            existing = stored.get(record.ref)
            draft = _draft(record, existing, ids)
            if existing is None:
                ids[record.ref] = uow.customers.add(draft, at=now)
                new_ids.append(ids[record.ref])
                report.created.append(record.ref)
            elif draft != CustomerDraft.of(existing):
                uow.customers.update(existing.id, draft, at=now)
                report.updated.append(record.ref)
            else:
                report.unchanged.append(record.ref)
        return new_ids

    @staticmethod
    def _notice_new_customers(uow: UnitOfWork, new_ids: list[int], now: datetime) -> None:
        """A customer who joins is bound by the version in force and told of any pending."""
        if not new_ids:
            return
        split = published_at(uow.policies.published(), now)
        for stored in split.in_force[-1:] + split.pending:
            uow.customers.record_policy_notice(stored.id, noticed_at=now, customer_ids=new_ids)


def _unique(records: Iterable[CustomerRecord], report: ImportReport) -> dict[str, CustomerRecord]:
    accepted: dict[str, CustomerRecord] = {}
    for record in records:
        if record.ref in accepted:
            report.errors.append(RowError(record.line, record.ref, f"customer {record.ref} is "
                                          f"also on line {accepted[record.ref].line}"))
            continue
        accepted[record.ref] = record
    return accepted


def _stored_windows(uow: UnitOfWork, records: Iterable[CustomerRecord],
                    stored: dict[str, Customer],
                    nodes: dict[int, CustomerNode]) -> list[StoredWindow]:
    """Every stored window of the file's customers and of every value the file lists."""
    records = list(records)
    keys = {(entry.kind, entry.value) for r in records for entry in r.assets}
    assets = {a.id: a for a in uow.customers.assets_of([c.id for c in stored.values()])}
    assets.update({a.id: a for a in uow.customers.assets_with_values(keys)})
    return [StoredWindow(a.id, nodes[a.customer_id].ref, a.kind, a.value, a.valid_from,
                         a.valid_until) for a in sorted(assets.values(), key=lambda a: a.id)]


def _final_parent(record: CustomerRecord, stored: dict[str, Customer],
                  nodes: dict[int, CustomerNode]) -> str | None:
    if record.states("parent"):
        return record.parent
    existing = stored.get(record.ref)
    if existing is None or existing.parent_id is None:
        return None
    return nodes[existing.parent_id].ref


@dataclass(frozen=True, slots=True)
class _Hierarchy:
    """The hierarchy as it would be after the import, by ref."""

    parents: dict[str, str | None]
    kinds: dict[str, CustomerKind]
    children: dict[str, list[str]]

    @classmethod
    def of(cls, accepted: dict[str, CustomerRecord], stored: dict[str, Customer],
           nodes: dict[int, CustomerNode]) -> _Hierarchy:
        parents: dict[str, str | None] = {
            node.ref: nodes[node.parent_id].ref if node.parent_id is not None else None
            for node in nodes.values()}
        kinds = {node.ref: node.kind for node in nodes.values()}
        for record in accepted.values():
            parents[record.ref] = _final_parent(record, stored, nodes)
            if record.states("kind") or record.ref not in kinds:
                kinds[record.ref] = record.kind
        children: dict[str, list[str]] = {}
        for child, parent in parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        return cls(parents, kinds, children)

    def loops(self, ref: str) -> bool:
        seen = {ref}
        current = self.parents.get(ref)
        while current is not None:
            if current in seen:
                return True
            seen.add(current)
            current = self.parents.get(current)
        return False


def _check(record: CustomerRecord, tree: _Hierarchy, stored: dict[str, Customer],
           policy: Policy | None) -> list[RowError]:
    """What is wrong with ``record`` given storage, the rest of the file and the policy."""
    problems: list[str] = []
    parent = tree.parents.get(record.ref)
    if parent is not None:
        parent_kind = tree.kinds.get(parent)
        if parent == record.ref:
            problems.append("a customer cannot be its own parent")
        elif parent_kind is None:
            problems.append(f"parent {parent} is neither in this file nor stored (or was "
                            "rejected)")
        elif parent_kind is not CustomerKind.PARTNER:
            problems.append(f"parent {parent} is not a wholesale partner (kind: partner)")
        elif tree.loops(record.ref):
            problems.append(f"parent {parent} leads back to {record.ref}: the hierarchy "
                            "would be a loop")
    children = sorted(tree.children.get(record.ref, ()))
    if tree.kinds.get(record.ref) is not CustomerKind.PARTNER and children:
        problems.append(f"is the parent of {', '.join(children[:5])}, so its kind must be "
                        "partner")
    existing = stored.get(record.ref)
    representative = (record.representative if record.states("representative")
                      else existing.representative if existing is not None else None)
    if parent is None and representative is None:
        problems.append("needs a representative with an e-mail address: it answers to the "
                        "provider itself, so notices go to it")
    if policy is not None:
        problems += _policy_problems(record, policy)
    return [RowError(record.line, record.ref, problem) for problem in problems]


def _policy_problems(record: CustomerRecord, policy: Policy) -> list[str]:
    problems = []
    known_carriers = {carrier.id for carrier in policy.carriers}
    unknown = [c for c in record.carriers if c not in known_carriers]
    if record.states("carriers") and unknown:
        problems.append(f"carrier(s) {', '.join(unknown)} are not in policy "
                        f"{policy.key}:{policy.version}, whose carriers are "
                        f"{', '.join(sorted(known_carriers)) or 'none'}")
    clause_ids = {clause.id for clause in policy.clauses}
    strange = [t.clause_id for t in record.agreement.clauses if t.clause_id not in clause_ids]
    if record.states("agreement") and strange:
        problems.append(f"agreement names clause(s) {', '.join(strange)}, which policy "
                        f"{policy.key}:{policy.version} does not have")
    return problems


def _parents_first(accepted: dict[str, CustomerRecord]) -> Sequence[CustomerRecord]:
    ordered: list[CustomerRecord] = []
    placed: set[str] = set()

    def place(record: CustomerRecord) -> None:
        if record.ref in placed:
            return
        placed.add(record.ref)
        if record.parent is not None and record.parent in accepted:
            place(accepted[record.parent])
        ordered.append(record)

    for record in accepted.values():
        place(record)
    return ordered


def _draft(record: CustomerRecord, existing: Customer | None,
           ids: dict[str, int]) -> CustomerDraft:
    """The customer as it will be: the parts the file states over the stored ones. A new
    customer is the record as it is (a part the file leaves out has its default)."""
    draft = CustomerDraft(
        ref=record.ref, name=record.name, kind=record.kind,
        parent_id=ids[record.parent] if record.parent is not None else None,
        representative=record.representative, carriers=record.carriers,
        agreement=record.agreement, consents=record.consents)
    if existing is None:
        return draft
    kept = {name: getattr(existing, name) for part, name in _DRAFT_FIELDS.items()
            if not record.states(part)}
    return replace(draft, **kept)
