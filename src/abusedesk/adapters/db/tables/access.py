"""Who may use abusedesk: staff users, API tokens, browser sessions, failed logins.

Secrets are never stored: passwords as a KDF string, tokens and session cookies as their
SHA-256 (they are random and long, so a plain digest is enough to make a stolen table
useless). ``customer_id`` of a token names a customer of the customers area; it is checked
through the customers service when the token is made, not by a foreign key, so this area's
schema does not depend on theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from abusedesk.adapters.db.tables.base import Base


class StaffUserRow(Base):
    """A member of the abuse team who signs in to the web UI."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """A bearer token: staff (with a role), or scoped to a customer or a partner."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_customer_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A signed-in browser: a staff user, or a customer's representative in the portal."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class LoginFailureRow(Base):
    """One failed sign-in, counted per user name and per client to rate-limit guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    failed_at: Mapped[datetime]
