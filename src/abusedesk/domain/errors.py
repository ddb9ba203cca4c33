"""The one exception tree of abusedesk.

Every error the project raises on purpose derives from ``AbuseDeskError``; interfaces map
these classes to CLI exit codes, HTTP problem details and SMTP replies in one place each.

    AbuseDeskError
    ├── ConfigurationError      settings or wiring are wrong; fix the configuration
    ├── PolicyError             a policy file or policy operation is invalid
    │   └── PolicyFileError     a policy file failed validation (field and line given)
    ├── NotFound                a record named by the caller does not exist
    ├── Conflict                the request contradicts stored state (duplicate, illegal move)
    ├── InvalidInput            a value given by a user or an import row is malformed
    ├── StorageError            the database failed; the operation may be retried
    ├── NotAuthenticated        no valid credentials (missing, expired, revoked)
    ├── AccessDenied            the principal lacks the permission the operation needs
    ├── TooManyAttempts         sign-in refused for a while after failures (``retry_after``)
    ├── ScanError               a signature engine could not scan (missing program, time-out)
    └── ParseError              a complaint could not be parsed; it is quarantined with ``reason``
        └── InputLimitExceeded  a size, depth or ratio bound was hit (zip bomb, deep MIME ...)

Messages are channel-neutral: the same text reaches a terminal, a web page and an API
problem detail, so it names no command, page or option. When there is an obvious next
step, the error carries it as a ``Remedy`` (with keyword context such as ``case=``) and an
interface may add its own words for it, as the CLI adds the command to run.
"""

from __future__ import annotations

from enum import StrEnum


class Remedy(StrEnum):
    """The next step an error points to, for an interface to word in its own terms."""

    FIND_CASE = "find-case"              # the case named does not exist: list the cases
    FIND_CUSTOMER = "find-customer"      # the customer named does not exist: list them
    PUBLISH_POLICY = "publish-policy"    # nothing is published: load a policy, publish it
    ENFORCE = "enforce"                  # request enforcement ``action`` on ``case``
    CHOOSE_ZONE = "choose-zone"          # no blocklist zone enabled: name the zones


class AbuseDeskError(Exception):
    """Base of every deliberate abusedesk error; ``str()`` is a message fit for a user.

    ``remedy`` and the keyword ``context`` (strings) let an interface add its own hint.
    """

    def __init__(self, *args: object, remedy: Remedy | None = None, **context: str) -> None:
        super().__init__(*args)
        self.remedy = remedy
        self.context = context


class ConfigurationError(AbuseDeskError):
    """The settings or the wiring are wrong; the message says which setting to fix."""


class ScanError(AbuseDeskError):
    """A content scanner could not run: its program is missing, failed or timed out."""


class PolicyError(AbuseDeskError):
    """A policy operation cannot be done (unknown version, bad publication date ...)."""


class PolicyFileError(PolicyError):
    """A policy file is invalid; names the file, the field and the line."""

    def __init__(self, message: str, *, source: str, field: str, line: int | None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {field}: {message}")
        self.source = source
        self.field = field
        self.line = line
        self.reason = message


class NotFound(AbuseDeskError):
    """A record that the caller named does not exist."""


class Conflict(AbuseDeskError):
    """The request contradicts stored state (a duplicate, an illegal state change)."""


class InvalidInput(AbuseDeskError):
    """A value given by a user, an API client or an import row is malformed."""


class StorageError(AbuseDeskError):
    """The database failed; the caller may retry (SMTP answers 451)."""


class NotAuthenticated(AbuseDeskError):
    """No valid credentials came with the request (or they expired or were revoked)."""


class AccessDenied(AbuseDeskError):
    """The principal is known but lacks the permission the operation needs."""


class TooManyAttempts(AbuseDeskError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next one is taken."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ParseError(AbuseDeskError):
    """A complaint could not be parsed; ``reason`` is the quarantine reason shown to staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InputLimitExceeded(ParseError):
    """Hostile or oversized input hit a documented bound (size, depth, ratio, count)."""
