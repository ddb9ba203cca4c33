"""Policy versions in the database; the stored YAML text is the truth, parsed on read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.policy import PolicyVersionRow
from abusedesk.domain.policy import Policy
from abusedesk.domain.ports import StoredPolicy
from abusedesk.policies.loader import load_policy_text


@lru_cache(maxsize=32)
def _parse(source_sha256: str, source_text: str, label: str) -> Policy:
    # Keyed by digest: a stored version never changes, so its parse can be shared.
    return load_policy_text(source_text, source=label)


def _to_stored(row: PolicyVersionRow) -> StoredPolicy:
    return StoredPolicy(
        id=row.id,
        key=row.policy_key,
        version=row.version,
        title=row.title,
        source_sha256=row.source_sha256,
        loaded_at=row.loaded_at,
        notice_date=row.notice_date,
        effective_at=row.effective_at,
        published_at=row.published_at,
        policy=_parse(row.source_sha256, row.source_text, f"{row.policy_key}:{row.version}"),
        source_text=row.source_text,
    )


class SqlPolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, policy: Policy, *, source_text: str, source_sha256: str,
            loaded_at: datetime) -> StoredPolicy:
        row = PolicyVersionRow(
            policy_key=policy.key,
            version=policy.version,
            title=policy.title,
            source_text=source_text,
            source_sha256=source_sha256,
            loaded_at=loaded_at,
        )
        self.session.add(row)
        self.session.flush()
        return _to_stored(row)

    def find(self, key: str | None, version: str) -> Sequence[StoredPolicy]:
        query = select(PolicyVersionRow).where(PolicyVersionRow.version == version)
        if key is not None:
            query = query.where(PolicyVersionRow.policy_key == key)
        rows = self.session.scalars(query.order_by(PolicyVersionRow.id))
        return [_to_stored(row) for row in rows]

    def all(self) -> Sequence[StoredPolicy]:
        rows = self.session.scalars(select(PolicyVersionRow).order_by(PolicyVersionRow.id))
        return [_to_stored(row) for row in rows]

    def published(self) -> Sequence[StoredPolicy]:
        query = (
            select(PolicyVersionRow)
            .where(PolicyVersionRow.effective_at.is_not(None))
            .order_by(PolicyVersionRow.effective_at, PolicyVersionRow.id)
        )
        return [_to_stored(row) for row in self.session.scalars(query)]

    def mark_published(self, stored_id: int, *, notice_date: date, effective_at: datetime,
                       published_at: datetime) -> StoredPolicy:
        row = self.session.get_one(PolicyVersionRow, stored_id)
        row.notice_date = notice_date
        row.effective_at = effective_at
        row.published_at = published_at
        self.session.flush()
        return _to_stored(row)
