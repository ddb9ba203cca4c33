"""Enforcement actions and time-and-materials charges in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.cases import CaseChargeRow, CaseRow, EnforcementActionRow
from abusedesk.domain.enforcement import (
    ActionStatus,
    Charge,
    ChargeKind,
    EnforcementAction,
)
from abusedesk.domain.policy import Action


def _action(row: EnforcementActionRow) -> EnforcementAction:
    return EnforcementAction(
        id=row.id, case_id=row.case_id, action=Action(row.action), target=row.target,
        status=ActionStatus(row.status), requested_by=row.requested_by,
        requested_at=row.requested_at, reason=row.reason, dry_run=row.dry_run,
        approved_by=row.approved_by, approved_at=row.approved_at,
        executed_at=row.executed_at, executor=row.executor, outcome=row.outcome,
        lifted_by=row.lifted_by, lifted_at=row.lifted_at, lift_outcome=row.lift_outcome,
    )


def _charge(row: CaseChargeRow) -> Charge:
    return Charge(row.id, row.case_id, ChargeKind(row.kind), row.description,
                  Decimal(row.quantity), Decimal(row.unit_price), row.currency,
                  row.recorded_by, row.recorded_at)


class SqlEnforcementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_action(self, *, case_id: int, action: Action, target: str, status: ActionStatus,
                   reason: str, dry_run: bool, requested_by: str,
                   at: datetime) -> EnforcementAction:
        row = EnforcementActionRow(case_id=case_id, action=action.value, target=target,
                                   status=status.value, reason=reason, dry_run=dry_run,
                                   requested_by=requested_by, requested_at=at)
        self.session.add(row)
        self.session.flush()
        return _action(row)

    def get_action(self, action_id: int, *, for_update: bool = False) -> EnforcementAction | None:
        query = select(EnforcementActionRow).where(EnforcementActionRow.id == action_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).first()
        return _action(row) if row else None

    def save_action(self, action: EnforcementAction) -> EnforcementAction:
        row = self.session.get_one(EnforcementActionRow, action.id)
        row.status = action.status.value
        row.approved_by = action.approved_by
        row.approved_at = action.approved_at
        row.executed_at = action.executed_at
        row.executor = action.executor
        row.outcome = action.outcome
        row.lifted_by = action.lifted_by
        row.lifted_at = action.lifted_at
        row.lift_outcome = action.lift_outcome
        self.session.flush()
        return _action(row)

    def actions(self, *, case_id: int | None = None,
                statuses: Sequence[ActionStatus] = ()) -> Sequence[EnforcementAction]:
        query = select(EnforcementActionRow)
        if case_id is not None:
            query = query.where(EnforcementActionRow.case_id == case_id)
        if statuses:
            query = query.where(EnforcementActionRow.status.in_([s.value for s in statuses]))
        rows = self.session.scalars(query.order_by(EnforcementActionRow.id))
        return [_action(row) for row in rows]

    def add_charge(self, *, case_id: int, kind: ChargeKind, description: str, quantity: str,
                   unit_price: str, currency: str, by: str, at: datetime) -> Charge:
        row = CaseChargeRow(case_id=case_id, kind=kind.value, description=description,
                            quantity=quantity, unit_price=unit_price, currency=currency,
                            recorded_by=by, recorded_at=at)
        self.session.add(row)
        self.session.flush()
        return _charge(row)

    def charges(self, *, case_id: int | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Sequence[tuple[Charge, str, int]]:
        query = (select(CaseChargeRow, CaseRow.reference, CaseRow.customer_id)
                 .join(CaseRow, CaseRow.id == CaseChargeRow.case_id))
        if case_id is not None:
            query = query.where(CaseChargeRow.case_id == case_id)
        if since is not None:
            query = query.where(CaseChargeRow.recorded_at >= since)
        if until is not None:
            query = query.where(CaseChargeRow.recorded_at < until)
        query = query.order_by(CaseChargeRow.recorded_at, CaseChargeRow.id)
        return [(_charge(row), reference or f"#{row.case_id}", customer_id)
                for row, reference, customer_id in self.session.execute(query)]
