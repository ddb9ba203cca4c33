"""What a scan reads from disk: links not followed, FIFOs and devices never opened
blocking, unreadable files and folders reported, each with a reason."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from abusedesk.adapters.scanning import files
from abusedesk.adapters.scanning.files import InputFile, input_files


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """A test that blocks on a FIFO fails after five seconds instead of hanging the run."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the scan blocked")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _by_name(found: list[InputFile]) -> dict[str, InputFile]:
    return {Path(item.path).name: item for item in found}


def test_links_inside_a_folder_are_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("card 4556 7375 8950 1235\n")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>hello</p>")
    (site / "file-link.csv").symlink_to(outside / "secret.csv")
    (site / "dir-link").symlink_to(outside)
    found = _by_name(list(input_files([str(site)], max_bytes=1000)))
    assert found["index.html"].data == b"<p>hello</p>"
    for name in ("file-link.csv", "dir-link"):  # a linked folder was silently dropped
        assert found[name].skipped and "symbolic link; not followed" in str(found[name].problem)
    assert "secret.csv" not in found


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    release = tmp_path / "release-42"
    release.mkdir()
    (release / "app.js").write_text("let x = 1;")
    (tmp_path / "current").symlink_to(release)
    (found,) = input_files([str(tmp_path / "current")], max_bytes=1000)
    assert found.path.endswith("app.js") and found.data == b"let x = 1;"


def test_fifos_and_devices_are_skipped_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    found = _by_name(list(input_files([str(tmp_path), str(tmp_path / "pipe"), "/dev/zero"],
                                      max_bytes=1000)))
    assert found["pipe"].skipped and "a FIFO" in str(found["pipe"].problem)
    assert found["zero"].skipped and "a character device" in str(found["zero"].problem)


def test_a_file_swapped_for_a_fifo_after_the_walk_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "report.csv")
    found = files._read(str(tmp_path / "report.csv"), 1000, stat.S_IFREG, follow=False)
    assert found.data is None and found.skipped


def test_unreadable_files_and_folders_say_why(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "inside.txt").write_text("x")
    (tmp_path / "private.csv").write_text("x")
    real_open, real_scandir = os.open, os.scandir

    def refuse_open(path: str, flags: int, *args: int) -> int:
        if str(path).endswith("private.csv"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    def refuse_scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "open", refuse_open)
    monkeypatch.setattr(os, "scandir", refuse_scandir)
    found = _by_name(list(input_files([str(tmp_path)], max_bytes=1000)))
    assert found["private.csv"].problem == "cannot be read (Permission denied)"
    assert not found["private.csv"].skipped
    assert found["locked"].problem == "folder cannot be read (Permission denied)"
    assert "inside.txt" not in found


def test_many_tiny_files_are_each_one_input(tmp_path: Path) -> None:
    for number in range(2000):
        (tmp_path / f"f{number:04d}.txt").write_bytes(b"ok\n")
    found = list(input_files([str(tmp_path)], max_bytes=1000))
    assert len(found) == 2000 and all(item.data == b"ok\n" for item in found)
    assert [item.path for item in found] == sorted(item.path for item in found)
