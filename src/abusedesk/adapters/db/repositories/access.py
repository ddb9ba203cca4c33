"""Staff users, API tokens, browser sessions and failed logins in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from abusedesk.adapters.db.tables.access import (
    ApiTokenRow,
    LoginFailureRow,
    StaffUserRow,
    WebSessionRow,
)
from abusedesk.domain.errors import Conflict, NotFound
from abusedesk.domain.ports import StoredSession, StoredToken, StoredUser

_USER_FIELDS = frozenset({"display_name", "role", "password_hash", "disabled_at", "last_login_at"})
_TOKEN_FIELDS = frozenset({"last_used_at", "revoked_at", "expires_at", "name"})
_Row = TypeVar("_Row", StaffUserRow, ApiTokenRow)


def _user(row: StaffUserRow) -> StoredUser:
    return StoredUser(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role,
        password_hash=row.password_hash, created_at=row.created_at,
        disabled_at=row.disabled_at, last_login_at=row.last_login_at,
    )


def _token(row: ApiTokenRow) -> StoredToken:
    return StoredToken(
        id=row.id, name=row.name, prefix=row.prefix, kind=row.kind, role=row.role,
        customer_id=row.customer_id, user_id=row.user_id, created_by=row.created_by,
        created_at=row.created_at, expires_at=row.expires_at, last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _session(row: WebSessionRow) -> StoredSession:
    return StoredSession(
        id=row.id, kind=row.kind, user_id=row.user_id, token_id=row.token_id,
        created_at=row.created_at, expires_at=row.expires_at, last_seen_at=row.last_seen_at,
    )


class SqlAccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- users ---------------------------------------------------------------------------
    def add_user(self, *, username: str, display_name: str, role: str, password_hash: str,
                 created_at: datetime) -> StoredUser:
        row = StaffUserRow(username=username, display_name=display_name, role=role,
                           password_hash=password_hash, created_at=created_at)
        self.session.add(row)
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"a user named {username!r} already exists") from None
        return _user(row)

    def user(self, user_id: int) -> StoredUser | None:
        row = self.session.get(StaffUserRow, user_id)
        return _user(row) if row is not None else None

    def user_by_name(self, username: str) -> StoredUser | None:
        row = self.session.scalar(select(StaffUserRow).where(StaffUserRow.username == username))
        return _user(row) if row is not None else None

    def users(self) -> Sequence[StoredUser]:
        return [_user(row) for row in self.session.scalars(
            select(StaffUserRow).order_by(StaffUserRow.username))]

    def update_user(self, user_id: int, **changes: Any) -> StoredUser:
        return _user(self._change(StaffUserRow, user_id, changes, _USER_FIELDS, "user"))

    # -- tokens --------------------------------------------------------------------------
    def add_token(self, *, name: str, prefix: str, secret_sha256: str, kind: str,
                  role: str | None, customer_id: int | None, user_id: int | None,
                  created_by: str, created_at: datetime,
                  expires_at: datetime | None) -> StoredToken:
        row = ApiTokenRow(name=name, prefix=prefix, secret_sha256=secret_sha256, kind=kind,
                          role=role, customer_id=customer_id, user_id=user_id,
                          created_by=created_by, created_at=created_at, expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        return _token(row)

    def token(self, token_id: int) -> StoredToken | None:
        row = self.session.get(ApiTokenRow, token_id)
        return _token(row) if row is not None else None

    def token_by_secret(self, secret_sha256: str) -> StoredToken | None:
        row = self.session.scalar(
            select(ApiTokenRow).where(ApiTokenRow.secret_sha256 == secret_sha256))
        return _token(row) if row is not None else None

    def tokens(self) -> Sequence[StoredToken]:
        return [_token(row) for row in self.session.scalars(
            select(ApiTokenRow).order_by(ApiTokenRow.id))]

    def update_token(self, token_id: int, **changes: Any) -> StoredToken:
        return _token(self._change(ApiTokenRow, token_id, changes, _TOKEN_FIELDS, "token"))

    def _change(self, row_class: type[_Row], row_id: int, changes: dict[str, Any],
                allowed: frozenset[str], what: str) -> _Row:
        """Set ``changes`` (only ``allowed`` fields) on the ``what`` with id ``row_id``."""
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {what} fields {sorted(unknown)}")
        row = self.session.get(row_class, row_id)
        if row is None:
            raise NotFound(f"no {what} with id {row_id}")
        for name, value in changes.items():
            setattr(row, name, value)
        self.session.flush()
        return row

    # -- sessions ------------------------------------------------------------------------
    def add_session(self, *, secret_sha256: str, kind: str, user_id: int | None,
                    token_id: int | None, created_at: datetime,
                    expires_at: datetime) -> StoredSession:
        row = WebSessionRow(secret_sha256=secret_sha256, kind=kind, user_id=user_id,
                            token_id=token_id, created_at=created_at, expires_at=expires_at,
                            last_seen_at=created_at)
        self.session.add(row)
        self.session.flush()
        return _session(row)

    def session_by_secret(self, secret_sha256: str) -> StoredSession | None:
        row = self.session.scalar(
            select(WebSessionRow).where(WebSessionRow.secret_sha256 == secret_sha256))
        return _session(row) if row is not None else None

    def touch_session(self, session_id: int, *, seen_at: datetime, expires_at: datetime) -> None:
        row = self.session.get(WebSessionRow, session_id)
        if row is not None:
            row.last_seen_at = seen_at
            row.expires_at = expires_at
            self.session.flush()

    def delete_session(self, session_id: int) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))

    def delete_sessions(self, *, user_id: int | None = None, token_id: int | None = None,
                        expired_before: datetime | None = None) -> int:
        conditions = []
        if user_id is not None:
            conditions.append(WebSessionRow.user_id == user_id)
        if token_id is not None:
            conditions.append(WebSessionRow.token_id == token_id)
        if expired_before is not None:
            conditions.append(WebSessionRow.expires_at < expired_before)
        if not conditions:
            raise ValueError("delete_sessions needs a condition")
        result = self.session.execute(delete(WebSessionRow).where(*conditions))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- failed logins -------------------------------------------------------------------
    def add_login_failure(self, key: str, at: datetime) -> None:
        self.session.add(LoginFailureRow(key=key[:300], failed_at=at))
        self.session.flush()

    def count_login_failures(self, key: str, since: datetime) -> int:
        query = select(func.count()).select_from(LoginFailureRow).where(
            LoginFailureRow.key == key[:300], LoginFailureRow.failed_at >= since)
        return int(self.session.scalar(query) or 0)

    def clear_login_failures(self, key: str, *, before: datetime | None = None) -> None:
        statement = delete(LoginFailureRow).where(LoginFailureRow.key == key[:300])
        if before is not None:
            statement = statement.where(LoginFailureRow.failed_at < before)
        self.session.execute(statement)
