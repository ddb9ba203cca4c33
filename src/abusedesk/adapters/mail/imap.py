"""An IMAP folder as a ``Mailbox``: unseen messages in, ``\\Seen`` set only once stored.

Messages are fetched with ``BODY.PEEK[]``, which does not set ``\\Seen``, so a message is
marked only by ``mark_seen``, which the import calls after the commit. A message larger
than the intake's limit is reported and left unseen. Each message is named by an IMAP URL
with the folder's UIDVALIDITY and its UID (RFC 5092), which is what makes a re-fetch after a
crash (stored, not yet marked) recognisable as the same arrival.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote

from abusedesk.domain.complaints import MailboxItem
from abusedesk.domain.errors import ConfigurationError

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    tls: bool = True  # TLS from the first byte (port 993); False: plain text (loopback only)
    timeout: float = 60.0

    def url(self) -> str:
        return f"imap://{quote(self.user, safe='')}@{self.host}:{self.port}/{quote(self.mailbox)}"


class ImapError(ConfigurationError):
    """The IMAP server could not be reached, refused the login, or failed a command."""


class ImapMailbox:
    """One session with one folder; use as a context manager."""

    def __init__(self, account: ImapAccount, *, max_message_bytes: int) -> None:
        self.account = account
        self.max_message_bytes = max_message_bytes
        self._connection: imaplib.IMAP4 | None = None
        self._uids: dict[str, str] = {}
        self._uidvalidity = b"0"

    def __enter__(self) -> ImapMailbox:
        account = self.account
        try:
            if account.tls:
                connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    account.host, account.port, ssl_context=ssl.create_default_context(),
                    timeout=account.timeout)
            else:
                connection = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
        except (OSError, imaplib.IMAP4.error) as error:
            raise ImapError(f"cannot reach the IMAP server {account.host}:{account.port}: "
                            f"{error}") from None
        self._connection = connection
        try:
            connection.login(account.user, account.password)
            status, data = connection.select(_quoted(account.mailbox))
            if status != "OK":
                raise ImapError(f"cannot open folder {account.mailbox!r}: {_text(data)}")
            # imaplib files the [UIDVALIDITY n] response code of SELECT under its name.
            validity = _flat(connection.response("UIDVALIDITY")[1])
            self._uidvalidity = validity[-1].strip() if validity else b"0"
        except imaplib.IMAP4.error as error:
            self.close()
            raise ImapError(f"IMAP login or folder selection failed for {account.url()}: "
                            f"{error}") from None
        except (OSError, ImapError):
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.state == "SELECTED":
                connection.close()
            connection.logout()
        except (TimeoutError, OSError, imaplib.IMAP4.error):
            pass  # the server went away; nothing is lost, flags are set per message

    def unseen(self) -> Iterator[MailboxItem]:
        """Unseen messages in UID order; oversize ones come with ``problem`` set."""
        try:
            yield from self._unseen(self._open())
        except (OSError, imaplib.IMAP4.error) as error:
            raise ImapError(f"the IMAP session with {self.account.url()} failed: {error}") from None

    def _unseen(self, connection: imaplib.IMAP4) -> Iterator[MailboxItem]:
        uids = self._command("UID SEARCH UNSEEN", connection.uid("SEARCH", "UNSEEN"))
        for found_uid in b" ".join(_flat(uids)).split():
            if not found_uid.isdigit():  # imaplib sends arguments as ASCII text
                raise ImapError(f"the server answered UID SEARCH with {found_uid[:40]!r}, "
                                "which is not a UID")
            uid = found_uid.decode("ascii")
            source = (f"{self.account.url()};UIDVALIDITY={self._uidvalidity.decode()}"
                      f"/;UID={uid}")
            self._uids[source] = uid
            sized = self._command("UID FETCH RFC822.SIZE",
                                  connection.uid("FETCH", uid, "(RFC822.SIZE)"))
            found = _SIZE.search(b" ".join(_flat(sized)))
            size = int(found.group(1)) if found else None
            if size is not None and size > self.max_message_bytes:
                yield MailboxItem(source, None, f"{size:,} bytes is over the intake limit of "
                                                f"{self.max_message_bytes:,}; left unseen")
                continue
            fetched = self._command("UID FETCH BODY.PEEK[]",
                                    connection.uid("FETCH", uid, "(BODY.PEEK[])"))
            data = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if data is None:
                yield MailboxItem(source, None, "the server returned no message body")
                continue
            yield MailboxItem(source, bytes(data))

    def mark_seen(self, item: MailboxItem) -> None:
        connection = self._open()
        uid = self._uids[item.source]
        try:
            self._command("UID STORE +FLAGS (\\Seen)",
                          connection.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)"))
        except (OSError, imaplib.IMAP4.error) as error:
            raise ImapError(f"could not mark {item.source} as seen: {error}; it is stored, and "
                            "the next poll will only mark it") from None

    def _open(self) -> imaplib.IMAP4:
        if self._connection is None:
            raise ImapError("the IMAP session is not open")
        return self._connection

    @staticmethod
    def _command(name: str, response: tuple[str, list[object]]) -> list[object]:
        status, data = response
        if status != "OK":
            raise ImapError(f"IMAP {name} failed: {_text(data)}")
        return data


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flat(data: Sequence[object] | None) -> list[bytes]:
    """The byte strings of an imaplib response (literals come as tuples)."""
    items: list[bytes] = []
    for part in data or []:
        if isinstance(part, bytes):
            items.append(part)
        elif isinstance(part, tuple):
            items.extend(p for p in part if isinstance(p, bytes))
    return items


def _text(data: Sequence[object] | None) -> str:
    return b" ".join(_flat(data)).decode("utf-8", "replace")[:300]
