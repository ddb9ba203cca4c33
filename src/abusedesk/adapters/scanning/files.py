"""The files a scan is pointed at: files, and directories walked without following links.

Each regular file becomes one input, read whole up to ``max_bytes``; larger files, links,
devices and unreadable files are reported with a reason instead. Paths are listed sorted,
so a scan's output is stable.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to scan, or why it cannot be (``data`` is None then)."""

    path: str
    data: bytes | None
    problem: str | None = None


def input_files(paths: Sequence[str], *, max_bytes: int) -> Iterator[InputFile]:
    """Every file named by ``paths`` or found under the directories among them."""
    for given in paths:
        path = Path(given)
        try:
            mode = path.lstat().st_mode
        except OSError as error:
            yield InputFile(given, None, f"cannot be read ({error.strerror})")
            continue
        if stat.S_ISDIR(mode):
            yield from _folder(path, max_bytes)
        else:
            yield _read(path, max_bytes, mode)


def _folder(root: Path, max_bytes: int) -> Iterator[InputFile]:
    for folder, folders, names in os.walk(root, followlinks=False):
        folders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            try:
                mode = path.lstat().st_mode
            except OSError as error:
                yield InputFile(str(path), None, f"cannot be read ({error.strerror})")
                continue
            yield _read(path, max_bytes, mode)


def _read(path: Path, max_bytes: int, mode: int) -> InputFile:
    if stat.S_ISLNK(mode):
        return InputFile(str(path), None, "is a symbolic link; not followed")
    if not stat.S_ISREG(mode):
        return InputFile(str(path), None, "is not a regular file")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return InputFile(str(path), None, f"cannot be read ({error.strerror})")
    if len(data) > max_bytes:
        return InputFile(str(path), None, f"is larger than {max_bytes} bytes; not scanned")
    return InputFile(str(path), data)
