"""Complaints in files: Maildir folders, mbox files, and .eml files or directories of them.

All are read-only ``Mailbox`` implementations: importing never changes the user's files, so
``mark_seen`` does nothing. Each message is named by a stable source (the Maildir unique
name, the mbox index, the file path), which makes importing the same folder twice record
nothing new. Bytes are taken exactly as stored; for mbox, that is the message without its
``From `` separator line (and with any ``>From`` quoting the file has).
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from abusedesk.domain.complaints import MailboxItem
from abusedesk.domain.errors import InvalidInput

#: Files taken from a directory given to ``submit``; files named explicitly are always read.
EML_SUFFIXES = (".eml",)


def _read_bounded(path: Path, limit: int, source: str) -> MailboxItem:
    try:
        size = path.stat().st_size
        if size > limit:
            return MailboxItem(source, None,
                               f"{size:,} bytes is over the intake limit of {limit:,}")
        return MailboxItem(source, path.read_bytes())
    except OSError as error:
        return MailboxItem(source, None, f"cannot read the file: {error.strerror or error}")


class MaildirSource:
    """The messages of a Maildir folder (``new/`` and ``cur/``), in name order."""

    def __init__(self, path: Path, *, max_message_bytes: int) -> None:
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise InvalidInput(f"{path} is not a Maildir folder (it needs cur/ and new/)")
        self.path = path.resolve()
        self.max_message_bytes = max_message_bytes

    def files(self) -> list[Path]:
        """Every message file of ``new/`` and ``cur/`` (dot files left out), in name order."""
        found = [Path(entry.path) for sub in ("new", "cur") for entry in os.scandir(self.path / sub)
                 if entry.is_file() and not entry.name.startswith(".")]
        return sorted(found, key=lambda path: (path.name, str(path)))

    def unseen(self) -> Iterator[MailboxItem]:
        for path in self.files():
            # The part before ":2,FLAGS" is the message's unique name; flags and the new/cur
            # move change when a mail client reads it, the unique name does not.
            unique = path.name.split(":", 1)[0]
            yield _read_bounded(path, self.max_message_bytes, f"maildir:{self.path}/{unique}")

    def mark_seen(self, item: MailboxItem) -> None:
        """Importing leaves the folder as it was."""


class MboxSource:
    """The messages of an mbox file, in file order."""

    def __init__(self, path: Path, *, max_message_bytes: int) -> None:
        if not path.is_file():
            raise InvalidInput(f"{path} is not an mbox file")
        self.path = path.resolve()
        self.max_message_bytes = max_message_bytes

    def unseen(self) -> Iterator[MailboxItem]:
        box = mailbox.mbox(self.path, create=False)
        try:
            for key in box.iterkeys():
                source = f"mbox:{self.path}#{key}"
                try:
                    data = box.get_bytes(key)
                except (OSError, KeyError) as error:
                    yield MailboxItem(source, None, f"cannot read message {key}: {error}")
                    continue
                if len(data) > self.max_message_bytes:
                    yield MailboxItem(source, None, f"{len(data):,} bytes is over the intake "
                                                    f"limit of {self.max_message_bytes:,}")
                    continue
                yield MailboxItem(source, data)
        finally:
            box.close()

    def mark_seen(self, item: MailboxItem) -> None:
        """Importing leaves the file as it was."""


class EmlFiles:
    """Files named on the command line: each file as one message, each directory's ``.eml``
    files (recursively, in name order), and ``-`` for standard input."""

    def __init__(self, paths: Sequence[str], *, max_message_bytes: int,
                 stdin: BinaryIO | None = None) -> None:
        self.paths = list(paths)
        self.max_message_bytes = max_message_bytes
        self.stdin = stdin
        missing = [p for p in self.paths if p != "-" and not Path(p).exists()]
        if missing:
            raise InvalidInput(f"no such file or directory: {', '.join(missing)}")

    def files(self) -> list[Path | None]:
        """Every message to read, None standing for standard input."""
        found: list[Path | None] = []
        for name in self.paths:
            if name == "-":
                found.append(None)
                continue
            path = Path(name)
            if path.is_dir():
                found.extend(sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in EML_SUFFIXES
                    and not p.name.startswith(".")))
            else:
                found.append(path)
        return found

    def unseen(self) -> Iterator[MailboxItem]:
        for path in self.files():
            if path is None:
                yield self._stdin_item()
            else:
                yield _read_bounded(path, self.max_message_bytes, str(path.resolve()))

    def _stdin_item(self) -> MailboxItem:
        if self.stdin is None:
            return MailboxItem("-", None, "standard input is not available", stable=False)
        data = self.stdin.read(self.max_message_bytes + 1)
        if len(data) > self.max_message_bytes:
            return MailboxItem("-", None, f"standard input is over the intake limit of "
                                          f"{self.max_message_bytes:,} bytes", stable=False)
        return MailboxItem("-", data, stable=False)

    def mark_seen(self, item: MailboxItem) -> None:
        """Submitting leaves the files as they were."""
