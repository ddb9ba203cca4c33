"""Access: staff users, API tokens, browser sessions, and sign-in with rate limiting.

Everything that turns a credential into a ``Principal`` lives here: a password (staff
sign-in, giving a session), a session cookie, an API token (staff with a role, or scoped
to a customer or a partner). Tokens and cookies are stored as digests and shown once.

Sign-in is rate-limited per user name and per client address: after ``MAX_FAILURES_PER_USER``
failures (or ``MAX_FAILURES_PER_CLIENT`` from one client) within ``FAILURE_WINDOW`` further
attempts are refused with ``TooManyAttempts`` until the window has moved on, whether the
password is right or not (so guessing cannot continue in the dark).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from abusedesk.domain.ports import StoredSession, StoredToken, StoredUser, UnitOfWork
from abusedesk.services.access_rules import (
    Principal,
    PrincipalKind,
    Role,
    customer_principal,
    staff_principal,
)
from abusedesk.services.access_secrets import (
    DUMMY_HASH,
    check_new_password,
    digest,
    hash_password,
    needs_rehash,
    new_session_secret,
    new_token,
    token_prefix,
    verify_password,
)

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
STAFF_SESSION_IDLE = timedelta(hours=8)
STAFF_SESSION_MAX = timedelta(hours=24)
PORTAL_SESSION_IDLE = timedelta(hours=2)
PORTAL_SESSION_MAX = timedelta(hours=12)
#: Sessions and tokens record use at most this often, so reads do not all become writes.
TOUCH_INTERVAL = timedelta(minutes=1)
SESSION_STAFF = "staff"
SESSION_PORTAL = "portal"

#: For a customer id: its kind (customer or partner); raises NotFound for an unknown id.
CustomerKindLookup = Callable[[int], PrincipalKind]
#: For a partner id: the ids of every customer below it.
DescendantsLookup = Callable[[int], frozenset[int]]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: ``secret`` is shown to its owner this once and never again."""

    stored: StoredToken
    secret: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie value to set, and who it is."""

    cookie: str
    principal: Principal
    expires_at: datetime


def _no_customers(customer_id: int) -> PrincipalKind:
    raise NotFound(f"no customer with id {customer_id} (customer records are not available)")


def _no_descendants(_customer_id: int) -> frozenset[int]:
    return frozenset()


class AccessService:
    """Users, tokens and sessions. ``customer_kind`` and ``descendants`` come from the
    customers service (wired in the interfaces), so this area never reads their tables."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *,
                 customer_kind: CustomerKindLookup = _no_customers,
                 descendants: DescendantsLookup = _no_descendants) -> None:
        self._uow = uow
        self._clock = clock
        self._customer_kind = customer_kind
        self._descendants = descendants

    # -- staff users -----------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: Role, *,
                 display_name: str | None = None) -> StoredUser:
        """Create a staff user; the password is checked for length and stored hashed."""
        username = _clean_username(username)
        check_new_password(password, username=username)
        with self._uow() as uow:
            user = uow.access.add_user(username=username, display_name=display_name or username,
                                       role=role.value, password_hash=hash_password(password),
                                       created_at=self._clock.now())
            uow.commit()
        return user

    def set_password(self, username: str, password: str) -> StoredUser:
        """Replace a user's password and end every session of that user."""
        check_new_password(password, username=username)
        with self._uow() as uow:
            user = self._user(uow, username)
            updated = uow.access.update_user(user.id, password_hash=hash_password(password))
            uow.access.delete_sessions(user_id=user.id)
            uow.commit()
        return updated

    def set_role(self, username: str, role: Role) -> StoredUser:
        with self._uow() as uow:
            updated = uow.access.update_user(self._user(uow, username).id, role=role.value)
            uow.commit()
        return updated

    def set_disabled(self, username: str, disabled: bool) -> StoredUser:
        """Disable (or enable again) a user; disabling ends the user's sessions."""
        with self._uow() as uow:
            user = self._user(uow, username)
            updated = uow.access.update_user(
                user.id, disabled_at=self._clock.now() if disabled else None)
            if disabled:
                uow.access.delete_sessions(user_id=user.id)
            uow.commit()
        return updated

    def users(self) -> Sequence[StoredUser]:
        with self._uow() as uow:
            return uow.access.users()

    def has_users(self) -> bool:
        return bool(self.users())

    # -- sign-in and sessions --------------------------------------------------------------
    def sign_in(self, username: str, password: str, *, client: str) -> SignedIn:
        """Check a staff password and open a session; rate-limited per user and client."""
        username = username.strip().lower()[:100]
        now = self._clock.now()
        user_key, client_key = f"user:{username}", f"client:{client}"
        with self._uow() as uow:
            self._check_throttle(uow, user_key, MAX_FAILURES_PER_USER, now)
            self._check_throttle(uow, client_key, MAX_FAILURES_PER_CLIENT, now)
            user = uow.access.user_by_name(username)
            good = verify_password(password, user.password_hash if user else DUMMY_HASH)
            if user is None or not good or user.disabled_at is not None:
                uow.access.add_login_failure(user_key, now)
                uow.access.add_login_failure(client_key, now)
                uow.commit()
                raise NotAuthenticated("unknown user name or wrong password")
            changes: dict[str, object] = {"last_login_at": now}
            if needs_rehash(user.password_hash):
                changes["password_hash"] = hash_password(password)
            uow.access.update_user(user.id, **changes)
            uow.access.clear_login_failures(user_key)
            uow.access.clear_login_failures(client_key, before=now - FAILURE_WINDOW)
            cookie = new_session_secret()
            expires = now + STAFF_SESSION_IDLE
            session = uow.access.add_session(secret_sha256=digest(cookie), kind=SESSION_STAFF,
                                             user_id=user.id, token_id=None, created_at=now,
                                             expires_at=expires)
            uow.commit()
        principal = staff_principal(name=user.username, role=Role(user.role), user_id=user.id,
                                    session_id=session.id)
        return SignedIn(cookie, principal, expires)

    def sign_in_portal(self, token: str, *, client: str) -> SignedIn:
        """Open a portal session with a customer's or partner's access token."""
        now = self._clock.now()
        client_key = f"portal-client:{client}"
        with self._uow() as uow:
            self._check_throttle(uow, client_key, MAX_FAILURES_PER_CLIENT, now)
            stored = uow.access.token_by_secret(digest(token.strip()))
            if stored is None or not _token_usable(stored, now) or stored.kind == "staff":
                uow.access.add_login_failure(client_key, now)
                uow.commit()
                raise NotAuthenticated("this access key is not valid for the customer portal")
            cookie = new_session_secret()
            expires = now + PORTAL_SESSION_IDLE
            session = uow.access.add_session(secret_sha256=digest(cookie), kind=SESSION_PORTAL,
                                             user_id=None, token_id=stored.id, created_at=now,
                                             expires_at=expires)
            uow.commit()
        return SignedIn(cookie, self._token_principal(stored, session.id), expires)

    def session_principal(self, cookie: str) -> Principal | None:
        """The principal of a session cookie, or None when it is unknown or expired."""
        if not cookie or len(cookie) > 200:
            return None
        now = self._clock.now()
        with self._uow() as uow:
            session = uow.access.session_by_secret(digest(cookie))
            if session is None or session.expires_at <= now:
                return None
            holder = self._session_holder(uow, session, now)
            if holder is None:
                uow.access.delete_session(session.id)
                uow.commit()
                return None
            if now - session.last_seen_at >= TOUCH_INTERVAL:
                idle, longest = ((STAFF_SESSION_IDLE, STAFF_SESSION_MAX)
                                 if session.kind == SESSION_STAFF
                                 else (PORTAL_SESSION_IDLE, PORTAL_SESSION_MAX))
                uow.access.touch_session(session.id, seen_at=now,
                                         expires_at=min(now + idle, session.created_at + longest))
                uow.commit()
        # Built after the transaction: a partner's scope asks the customers service, which
        # opens a unit of work of its own (SQLite allows one writer at a time).
        if isinstance(holder, StoredUser):
            return staff_principal(name=holder.username, role=Role(holder.role),
                                   user_id=holder.id, session_id=session.id)
        return self._token_principal(holder, session.id)

    def sign_out(self, cookie: str) -> None:
        with self._uow() as uow:
            session = uow.access.session_by_secret(digest(cookie))
            if session is not None:
                uow.access.delete_session(session.id)
                uow.commit()

    def purge_expired_sessions(self) -> int:
        with self._uow() as uow:
            count = uow.access.delete_sessions(expired_before=self._clock.now())
            uow.commit()
        return count

    # -- API tokens --------------------------------------------------------------------------
    def create_token(self, name: str, *, created_by: str, role: Role | None = None,
                     customer_id: int | None = None, expires_at: datetime | None = None,
                     user: str | None = None) -> IssuedToken:
        """Make a token: staff (give ``role``) or scoped to a customer (give ``customer_id``).

        A token for a customer id that is a partner is a partner token: it sees the
        partner's own cases and those of every customer below it.
        """
        name = " ".join(name.split())[:200]
        if not name:
            raise InvalidInput("a token needs a name saying who or what uses it")
        if (role is None) == (customer_id is None):
            raise InvalidInput("give a token either a staff role or a customer, not both")
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("the token's expiry must be in the future")
        kind = (PrincipalKind.STAFF if customer_id is None
                else self._customer_kind(customer_id))
        secret = new_token()
        with self._uow() as uow:
            owner = self._user(uow, user) if user else None
            if owner is not None and role is not None \
                    and list(Role).index(role) > list(Role).index(Role(owner.role)):
                raise InvalidInput(f"{owner.username} is {owner.role}; a token of theirs "
                                   f"cannot be {role.value}")
            user_id = owner.id if owner else None
            stored = uow.access.add_token(
                name=name, prefix=token_prefix(secret), secret_sha256=digest(secret),
                kind=kind.value, role=role.value if role else None, customer_id=customer_id,
                user_id=user_id, created_by=created_by[:100], created_at=now,
                expires_at=expires_at)
            uow.commit()
        return IssuedToken(stored, secret)

    def token_principal(self, token: str) -> Principal | None:
        """The principal of a bearer token, or None when unknown, expired or revoked."""
        if not token or len(token) > 200:
            return None
        now = self._clock.now()
        with self._uow() as uow:
            stored = uow.access.token_by_secret(digest(token))
            if stored is None or not _token_usable(stored, now):
                return None
            owner = uow.access.user(stored.user_id) if stored.user_id is not None else None
            if owner is not None and owner.disabled_at is not None:
                return None
            if stored.last_used_at is None or now - stored.last_used_at >= TOUCH_INTERVAL:
                uow.access.update_token(stored.id, last_used_at=now)
                uow.commit()
        return self._token_principal(stored, None, owner)

    def tokens(self) -> Sequence[StoredToken]:
        with self._uow() as uow:
            return uow.access.tokens()

    def revoke_token(self, token_id: int) -> StoredToken:
        """Revoke a token at once; portal sessions opened with it end too."""
        with self._uow() as uow:
            stored = uow.access.token(token_id)
            if stored is None:
                raise NotFound(f"no token with id {token_id}")
            if stored.revoked_at is not None:
                raise Conflict(f"token {token_id} was already revoked on "
                               f"{stored.revoked_at:%Y-%m-%d}")
            revoked = uow.access.update_token(token_id, revoked_at=self._clock.now())
            uow.access.delete_sessions(token_id=token_id)
            uow.commit()
        return revoked

    # -- helpers ---------------------------------------------------------------------------
    def _check_throttle(self, uow: UnitOfWork, key: str, limit: int, now: datetime) -> None:
        if uow.access.count_login_failures(key, now - FAILURE_WINDOW) >= limit:
            raise TooManyAttempts(
                "too many failed sign-ins; wait a quarter of an hour and try again",
                retry_after=int(FAILURE_WINDOW.total_seconds()))

    def _session_holder(self, uow: UnitOfWork, session: StoredSession,
                        now: datetime) -> StoredUser | StoredToken | None:
        """The user (staff session) or token (portal session) behind a session, if usable."""
        if session.kind == SESSION_STAFF and session.user_id is not None:
            user = uow.access.user(session.user_id)
            return user if user is not None and user.disabled_at is None else None
        if session.kind == SESSION_PORTAL and session.token_id is not None:
            stored = uow.access.token(session.token_id)
            return stored if stored is not None and _token_usable(stored, now) else None
        return None

    def _token_principal(self, stored: StoredToken, session_id: int | None,
                         owner: StoredUser | None = None) -> Principal:
        if stored.kind == PrincipalKind.STAFF.value:
            assert stored.role is not None
            if owner is not None:
                # A user's token acts as that user: the two-person rule sees one person.
                return staff_principal(name=owner.username, role=Role(stored.role),
                                       user_id=owner.id, token_id=stored.id,
                                       session_id=session_id)
            return staff_principal(name=stored.name, role=Role(stored.role),
                                   token_id=stored.id, session_id=session_id)
        assert stored.customer_id is not None
        kind = PrincipalKind(stored.kind)
        below = self._descendants(stored.customer_id) if kind is PrincipalKind.PARTNER \
            else frozenset()
        return customer_principal(name=stored.name, kind=kind, customer_id=stored.customer_id,
                                  visible=below, token_id=stored.id, session_id=session_id)

    def _user(self, uow: UnitOfWork, username: str) -> StoredUser:
        user = uow.access.user_by_name(username.strip().lower())
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user


def _token_usable(stored: StoredToken, now: datetime) -> bool:
    return stored.revoked_at is None and (stored.expires_at is None or stored.expires_at > now)


def _clean_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not cleaned or len(cleaned) > 100 or not all(c.isalnum() or c in "._-@" for c in cleaned):
        raise InvalidInput("a user name is 1 to 100 letters, digits and . _ - @")
    return cleaned
