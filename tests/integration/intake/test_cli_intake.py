"""The intake commands as a user runs them: submit, import maildir/mbox, complaints list/get/
replay. Runs the real ``abusedesk`` command on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import mailbox
from pathlib import Path

import pytest

from tests.integration.intake.conftest import sqlite_only
from tests.support.cli import CliResult, abusedesk
from tests.support.smtp import arf_complaint


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"ABUSEDESK_DATABASE_URL": database_url, "ABUSEDESK_DATA_DIR": str(tmp_path / "data")}


def _raw(number: int) -> bytes:
    return arf_complaint(source_ip=f"192.0.2.{number}",
                         message_id=f"cli-{number}@feedback.example.org")


def _ok(result: CliResult) -> CliResult:
    assert result.code == 0, result.stdout + result.stderr
    return result


def _raw_copy(env: dict[str, str], complaint_id: int) -> bytes:
    result = _ok(abusedesk("complaints", "get", str(complaint_id), "--raw", env=env))
    return result.stdout.encode("utf-8")


def test_submit_files_directories_and_standard_input_then_read_back(
        env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    (folder / "nested").mkdir(parents=True)
    for number in range(1, 12):
        where = folder / "nested" if number % 2 else folder
        (where / f"report-{number:02d}.eml").write_bytes(_raw(number))
    (folder / "notes.txt").write_text("not a complaint file")

    stored = _ok(abusedesk("submit", str(folder), env=env))
    assert "11 stored, 0 duplicate(s), 0 failed" in stored.stdout
    piped = _ok(abusedesk("submit", "-", env=env, stdin=_raw(40)))
    assert "stored complaint 12" in piped.stdout
    again = _ok(abusedesk("submit", str(folder), "-", env=env, stdin=_raw(40)))
    assert "0 stored, 1 duplicate(s), 11 already stored, 0 failed" in again.stdout

    digests = {hashlib.sha256(_raw(n)).hexdigest() for n in (*range(1, 12), 40)}
    copies = {hashlib.sha256(_raw_copy(env, cid)).hexdigest() for cid in range(1, 13)}
    assert copies == digests
    listing = _ok(abusedesk("complaints", "list", "--limit", "3", env=env)).stdout
    assert "duplicate of 12" in listing


def test_submit_reports_what_it_could_not_store(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    result = abusedesk("submit", str(empty), str(tmp_path / "missing.eml"), env=env)
    assert result.code == 2 and "no such file or directory" in result.stderr
    result = abusedesk("submit", str(empty), env=env)
    assert result.code == 1 and "the complaint is empty" in result.stdout


@sqlite_only  # on PostgreSQL processing runs in workers (tests/e2e/intake)
def test_processing_from_the_cli_and_replaying_the_quarantined(
        env: dict[str, str], tmp_path: Path) -> None:
    good, bad = tmp_path / "good.eml", tmp_path / "bad.eml"
    good.write_bytes(_raw(1))
    bad.write_bytes(b"From: someone@example.org\r\nSubject: hello\r\n\r\nplease call me\r\n")
    processed = _ok(abusedesk("submit", str(good), str(bad), "--process", env=env))
    assert "0 failed" in processed.stdout
    shown = _ok(abusedesk("complaints", "get", "1", env=env)).stdout
    assert "status: processed" in shown and "messaging/spam" in shown and "192.0.2.1" in shown
    quarantined = _ok(abusedesk("complaints", "list", "--status", "quarantined", env=env)).stdout
    assert "hello" in quarantined
    assert "reason: recognised as free-text but no offender could be read" in _ok(
        abusedesk("complaints", "get", "2", env=env)).stdout
    replayed = _ok(abusedesk("complaints", "replay", "--quarantined", "--now", env=env)).stdout
    assert "1 complaint(s) queued" in replayed and "quarantined: 1" in replayed
    refused = abusedesk("complaints", "replay", "1", "--quarantined", env=env)
    assert refused.code == 2


def test_import_maildir_twice_stores_once_even_after_a_mail_client_read_it(
        env: dict[str, str], tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1700000001.M1P1.mx").write_bytes(_raw(1))
    (maildir / "cur" / "1700000002.M2P1.mx:2,S").write_bytes(_raw(2))
    first = _ok(abusedesk("import", "maildir", str(maildir), env=env))
    assert "2 stored" in first.stdout
    # A mail client reads the new message: it moves to cur/ and gains flags.
    (maildir / "new" / "1700000001.M1P1.mx").rename(maildir / "cur" / "1700000001.M1P1.mx:2,S")
    second = _ok(abusedesk("import", "maildir", str(maildir), env=env))
    assert "0 stored, 0 duplicate(s), 2 already stored" in second.stdout
    assert {_raw_copy(env, 1), _raw_copy(env, 2)} == {_raw(1), _raw(2)}
    not_maildir = abusedesk("import", "maildir", str(tmp_path), env=env)
    assert not_maildir.code == 2 and "not a Maildir folder" in not_maildir.stderr


def test_import_mbox_keeps_each_message_as_the_file_holds_it(
        env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "abuse.mbox"
    box = mailbox.mbox(path)
    box.add(_raw(1))
    box.add(_raw(2).replace(b"Buy now.", b"From the desk of a spammer"))  # quoted as >From
    box.flush()
    box.close()
    result = _ok(abusedesk("import", "mbox", str(path), env=env))
    assert "2 stored" in result.stdout
    assert _raw_copy(env, 1) == _raw(1)
    assert _raw_copy(env, 2) == _raw(2).replace(b"Buy now.", b">From the desk of a spammer")
    again = _ok(abusedesk("import", "mbox", str(path), env=env))
    assert "2 already stored" in again.stdout
