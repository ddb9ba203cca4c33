"""The server's secret key: from ``ABUSEDESK_SECRET_KEY``, or generated once into the data dir.

It keys the CSRF tokens of the web forms and signs the response links sent to customers.
Sessions themselves are random values stored hashed in the database, so a changed key signs
nobody out; it invalidates forms open at the time and response links already sent. Every
``serve`` and ``worker`` process of one installation must share it: set
``ABUSEDESK_SECRET_KEY`` for them when they do not share a data directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from abusedesk.config import Settings
from abusedesk.domain.errors import ConfigurationError

KEY_FILE = "secret.key"
MIN_KEY_LENGTH = 32


def secret_key(settings: Settings) -> bytes:
    """The configured key, or the one in ``<data_dir>/secret.key`` (created if missing)."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"ABUSEDESK_SECRET_KEY must be at least {MIN_KEY_LENGTH} characters long")
        return value.encode("utf-8")
    return _key_file(settings.data_dir / KEY_FILE)


def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole to a private file, then linked into place: link() fails if another
        # process won the race, and nobody ever reads a half-written key.
        scratch = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(scratch, path)
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    try:
        value = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"cannot read the secret key file {path}: {error}") from None
    if len(value) < MIN_KEY_LENGTH:
        raise ConfigurationError(f"the secret key file {path} is too short; delete it to "
                                 "have a new key generated")
    return value.encode("ascii")
