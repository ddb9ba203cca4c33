"""``abusedesk scan`` over a hostile folder: what it says, what it skips, its exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import abusedesk
from tests.unit.scanning.samples import CUSTOMER_DUMP, zipped

pytestmark = pytest.mark.slow


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "bucket"
    folder.mkdir()
    (folder / "customers.csv").write_bytes(CUSTOMER_DUMP)
    (folder / "fake\x1b[2J\nclean.csv").write_bytes(CUSTOMER_DUMP)  # clears a terminal
    (folder / "members.zip").write_bytes(zipped({"x\x07\rdump.csv": CUSTOMER_DUMP}))
    os.mkfifo(folder / "pipe")
    (folder / "etc-link").symlink_to("/etc")
    for number in range(300):
        (folder / f"tiny{number:03d}.txt").write_bytes(b"nothing to see\n")
    return folder


def test_skipped_things_are_named_and_names_are_escaped(hostile: Path,
                                                        tmp_path: Path) -> None:
    result = abusedesk("scan", str(hostile), env={"ABUSEDESK_DATA_DIR": str(tmp_path)},
                       timeout=60)
    assert result.code == 0, result.stderr  # links and FIFOs are skipped, not errors
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "fake\\x1b[2J\\nclean.csv: 8 finding(s)" in result.stdout
    assert "x\\x07\\rdump.csv" in result.stdout
    assert "skipped: " in result.stdout and "etc-link: is a symbolic link" in result.stdout
    assert "pipe: is a FIFO" in result.stdout
    assert "tiny000.txt" not in result.stdout  # clean inputs only counted
    assert "24 finding(s) in 303 input(s); 2 not scanned or skipped" in result.stdout


def test_an_input_too_large_exits_1_and_json_lists_it(hostile: Path, tmp_path: Path) -> None:
    (hostile / "huge.log").write_bytes(b"x" * 200_000)
    result = abusedesk("scan", str(hostile), "--json",
                       env={"ABUSEDESK_DATA_DIR": str(tmp_path),
                            "ABUSEDESK_MAX_MESSAGE_BYTES": "100000"}, timeout=60)
    assert result.code == 1
    document = json.loads(result.stdout)
    assert [u["problem"] for u in document["unreadable"]] == [
        "is larger than 100000 bytes; not scanned"]
    assert {Path(s["path"]).name for s in document["skipped"]} == {"etc-link", "pipe"}


def test_a_missing_path_exits_1(tmp_path: Path) -> None:
    result = abusedesk("scan", str(tmp_path / "nope"), env={"ABUSEDESK_DATA_DIR": str(tmp_path)})
    assert result.code == 1
    assert "not scanned: " in result.stdout and "No such file or directory" in result.stdout
