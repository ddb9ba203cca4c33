"""Repeat-offence counters: each customer's cases that were not dismissed, kept as a number.

The case queue shows, for every case, how many cases its customer has had. Counting them
per page view costs a scan of every case of every customer on the page (half a second
at a million cases); a counter per customer costs one indexed read whatever the size.

``SqlCaseRepository.add`` and ``save`` call ``note_change`` with +1 or -1 when a case is
opened, dismissed or reopened from dismissal. The changes wait in the session and are
written just before it commits, in one statement, in customer order: so the counter rows
are locked only for the instant of the commit, and two transactions that change the same
customers lock them in the same order and never deadlock on them (cases of many customers
can change in one complaint's aggregation, which also holds the audit log's head). A
rollback drops them with the rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.cases import CaseOffenceCountRow, CaseRow
from abusedesk.domain.cases import CaseState

_PENDING = "abusedesk.case_offence_changes"


def counts_as_offence(state: str) -> bool:
    """Whether a case in ``state`` (its stored value) counts against its customer."""
    return state != CaseState.DISMISSED.value


def note_change(session: Session, customer_id: int, change: int) -> None:
    """Add ``change`` to the customer's count when ``session`` commits."""
    if change == 0:
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
        if not event.contains(session, "before_commit", _write_pending):
            event.listen(session, "before_commit", _write_pending)
            event.listen(session, "after_begin", _forget_pending)
            event.listen(session, "after_rollback", _forget_pending)
    pending[customer_id] = pending.get(customer_id, 0) + change


def _forget_pending(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING, None)


def _write_pending(session: Session) -> None:
    pending: dict[int, int] = session.info.pop(_PENDING, None) or {}
    rows = [{"customer_id": customer_id, "offences": change}
            for customer_id, change in sorted(pending.items()) if change]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(CaseOffenceCountRow).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=[CaseOffenceCountRow.customer_id],
        set_={"offences": CaseOffenceCountRow.offences + statement.excluded.offences}))


def offence_counts(session: Session, customer_ids: Collection[int]) -> Mapping[int, int]:
    """The counts of ``customer_ids`` as this transaction sees them (its own changes too)."""
    counts = {customer_id: 0 for customer_id in customer_ids}
    if not counts:
        return counts
    query = select(CaseOffenceCountRow.customer_id, CaseOffenceCountRow.offences).where(
        CaseOffenceCountRow.customer_id.in_(list(counts)))
    counts.update({customer_id: offences for customer_id, offences in session.execute(query)})
    for customer_id, change in (session.info.get(_PENDING) or {}).items():
        if customer_id in counts:
            counts[customer_id] += change
    return counts


def rebuild(session: Session) -> int:
    """Recount every customer's counter from the cases; returns the customers counted.

    On PostgreSQL the cases are locked against writers until the transaction ends, so no
    case opened meanwhile is missed or counted twice.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE cases IN SHARE MODE"))
    session.info.pop(_PENDING, None)
    session.execute(delete(CaseOffenceCountRow))
    counted = (select(CaseRow.customer_id, func.count())
               .where(CaseRow.state != CaseState.DISMISSED.value)
               .group_by(CaseRow.customer_id))
    session.execute(insert(CaseOffenceCountRow).from_select(
        ["customer_id", "offences"], counted))
    return int(session.scalar(select(func.count()).select_from(CaseOffenceCountRow)) or 0)
