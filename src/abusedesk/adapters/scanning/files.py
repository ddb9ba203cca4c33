"""The files a scan is pointed at: files, and directories walked without following links.

Each regular file becomes one input, read whole up to ``max_bytes``. A path named on the
command line is taken as given, even through a symbolic link (the operator chose it);
inside a directory, links to files or folders are never followed, so a scan stays under
the folder it was given. What is not read comes with a reason: ``skipped`` for what is not
a file to scan (links, FIFOs, sockets, devices), an error for what should have been read
and was not (no permission, vanished, larger than ``max_bytes``). Files are opened without
blocking and without following a link swapped in after the walk saw the file, so a FIFO
never hangs a scan. Paths are listed sorted, so a scan's output is stable.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to scan, or why it is not scanned (``data`` is None then)."""

    path: str
    data: bytes | None
    problem: str | None = None
    skipped: bool = False  # not a file to scan (a link, a FIFO): no error


def input_files(paths: Sequence[str], *, max_bytes: int) -> Iterator[InputFile]:
    """Every file named by ``paths`` or found under the directories among them."""
    for given in paths:
        try:
            mode = os.stat(given).st_mode  # a link named on the command line is followed
        except OSError as error:
            yield InputFile(given, None, f"cannot be read ({error.strerror})")
            continue
        if stat.S_ISDIR(mode):
            yield from _folder(given, max_bytes)
        else:
            yield _read(given, max_bytes, mode, follow=True)


def _folder(root: str, max_bytes: int) -> Iterator[InputFile]:
    problems: list[InputFile] = []

    def unreadable(error: OSError) -> None:
        problems.append(InputFile(str(error.filename), None,
                                  f"folder cannot be read ({error.strerror})"))

    for folder, folders, names in os.walk(root, onerror=unreadable, followlinks=False):
        yield from problems
        problems.clear()
        linked = sorted(name for name in folders if os.path.islink(os.path.join(folder, name)))
        folders[:] = sorted(name for name in folders if name not in linked)
        for name in sorted([*names, *linked]):
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError as error:
                yield InputFile(path, None, f"cannot be read ({error.strerror})")
                continue
            yield _read(path, max_bytes, mode, follow=False)
    yield from problems


def _read(path: str, max_bytes: int, mode: int, *, follow: bool) -> InputFile:
    if stat.S_ISLNK(mode):
        return InputFile(path, None, "is a symbolic link; not followed (name its target to "
                                     "scan it)", skipped=True)
    if not stat.S_ISREG(mode):
        return InputFile(path, None, f"is {_kind(mode)}, not a regular file; not read",
                         skipped=True)
    try:
        descriptor = os.open(path, _OPEN_FLAGS & ~os.O_NOFOLLOW if follow else _OPEN_FLAGS)
    except OSError as error:
        return InputFile(path, None, f"cannot be read ({error.strerror})")
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return InputFile(path, None, "changed into something else than a file while "
                                         "scanned; not read", skipped=True)
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            return InputFile(path, None, f"cannot be read ({error.strerror})")
    if len(data) > max_bytes:
        return InputFile(path, None, f"is larger than {max_bytes} bytes; not scanned")
    return InputFile(path, data)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "a special file")
