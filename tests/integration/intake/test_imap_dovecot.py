"""IMAP polling against a real Dovecot on loopback: stored byte-exact, \\Seen set only after the
commit, what cannot be stored left unseen and reported. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from abusedesk.adapters.mail.imap import ImapAccount, ImapError, ImapMailbox
from abusedesk.bootstrap import Container
from abusedesk.config import Settings
from abusedesk.domain.complaints import Channel, ComplaintStatus, MailboxItem
from abusedesk.interfaces.smtpd.imap import poll_imap_once
from abusedesk.services.intake import IntakeService
from abusedesk.services.intake_mailbox import import_mailbox
from abusedesk.services.intake_records import ComplaintRecords
from tests.support.cli import abusedesk
from tests.support.dovecot import DOVECOT, MISSING_REASON, Dovecot
from tests.support.smtp import arf_complaint, crlf

pytestmark = pytest.mark.skipif(DOVECOT is None, reason=MISSING_REASON)

LIMIT = 64 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data",
                    max_message_bytes=LIMIT)


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[Dovecot]:
    with Dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The shared server with an empty INBOX."""
    client = dovecot_server.client()
    try:
        status, data = client.uid("SEARCH", None, "ALL")
        if data and data[0]:
            client.uid("STORE", b",".join(data[0].split()), "+FLAGS.SILENT", "(\\Deleted)")
            client.expunge()
    finally:
        client.logout()
    return dovecot_server


def _account(server: Dovecot, password: str | None = None) -> ImapAccount:
    return ImapAccount(host=server.host, port=server.port, user=server.user,
                       password=password or server.password, tls=False)


def _raw(number: int) -> bytes:
    return arf_complaint(source_ip="192.0.2.10", message_id=f"imap-{number}@feedback.example.org")


def _id(number: int) -> bytes:
    return f"<imap-{number}@feedback.example.org>".encode()


def test_unseen_messages_are_stored_byte_exact_then_marked_seen(
        container: Container, dovecot: Dovecot, records: ComplaintRecords) -> None:
    dovecot.append(_raw(1))
    dovecot.append(_raw(2), seen=True)  # already read by a person: not ours to take
    dovecot.append(_raw(3))

    report = poll_imap_once(container, _account(dovecot))

    assert (len(report.stored), report.failed) == (2, [])
    stored = {records.raw(cid).data for cid in report.stored}
    assert stored == {_raw(1), _raw(3)}
    for complaint_id in report.stored:
        record = records.get(complaint_id)
        assert record.channel is Channel.IMAP
        assert record.source and record.source.startswith(
            f"imap://abuse@127.0.0.1:{dovecot.port}/INBOX;UIDVALIDITY=")
    assert all("\\Seen" in flags for flags in dovecot.flags().values())
    again = poll_imap_once(container, _account(dovecot))
    assert again.seen == 0


def test_a_message_over_the_limit_is_left_unseen_and_reported(
        container: Container, dovecot: Dovecot, records: ComplaintRecords) -> None:
    dovecot.append(_raw(1))
    dovecot.append(_raw(2) + crlf("z" * 900 + "\n") * 80)  # about 72 KB
    report = poll_imap_once(container, _account(dovecot))
    assert len(report.stored) == 1
    ((source, why),) = report.failed
    assert "over the intake limit" in why
    assert source != records.get(report.stored[0]).source
    flags = dovecot.flags()
    assert "\\Seen" in flags[_id(1)] and "\\Seen" not in flags[_id(2)]


def test_nothing_is_marked_while_the_database_fails(
        container: Container, dovecot: Dovecot, records: ComplaintRecords) -> None:
    dovecot.append(_raw(1))
    dovecot.append(_raw(2))
    with container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE complaints RENAME TO complaints_elsewhere"))
    try:
        failed = poll_imap_once(container, _account(dovecot))
    finally:
        with container.engine.begin() as connection:
            connection.execute(text("ALTER TABLE complaints_elsewhere RENAME TO complaints"))
    assert len(failed.failed) == 2 and failed.stored == []
    assert not any("\\Seen" in flags for flags in dovecot.flags().values())
    recovered = poll_imap_once(container, _account(dovecot))
    assert len(recovered.stored) == 2
    assert all("\\Seen" in flags for flags in dovecot.flags().values())


class _LosesConnectionOnce(ImapMailbox):
    """Dies between the commit and the first \\Seen, as a crashed poller would."""

    def mark_seen(self, item: MailboxItem) -> None:
        raise ConnectionResetError("connection lost before STORE")


def test_a_message_stored_but_not_marked_is_taken_once(
        container: Container, dovecot: Dovecot, records: ComplaintRecords) -> None:
    dovecot.append(_raw(1))
    intake = IntakeService(container.uow, container.clock, max_message_bytes=LIMIT)
    with pytest.raises(ConnectionResetError), \
            _LosesConnectionOnce(_account(dovecot), max_message_bytes=LIMIT) as mailbox:
        import_mailbox(mailbox, intake, channel=Channel.IMAP)
    assert "\\Seen" not in dovecot.flags()[_id(1)]
    (first,) = records.list()

    report = poll_imap_once(container, _account(dovecot))
    assert (report.stored, report.duplicates, report.already) == ([], [], [first.id])
    assert "\\Seen" in dovecot.flags()[_id(1)]
    assert [r.id for r in records.list()] == [first.id]
    assert first.status is ComplaintStatus.RECEIVED


def test_a_wrong_password_is_a_clear_error(dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match="login or folder selection failed"), \
            ImapMailbox(_account(dovecot, "wrong"), max_message_bytes=LIMIT):
        pass


def test_the_cli_polls_once(database_url: str, dovecot: Dovecot, tmp_path: Path) -> None:
    dovecot.append(_raw(1))
    env = {"ABUSEDESK_DATABASE_URL": database_url, "ABUSEDESK_DATA_DIR": str(tmp_path / "d"),
           "ABUSEDESK_IMAP_HOST": dovecot.host, "ABUSEDESK_IMAP_PORT": str(dovecot.port),
           "ABUSEDESK_IMAP_TLS": "false", "ABUSEDESK_IMAP_USER": dovecot.user,
           "ABUSEDESK_IMAP_PASSWORD": dovecot.password}
    result = abusedesk("imap", "poll", env=env)
    assert result.code == 0, result.stderr
    assert "1 stored, 0 duplicate(s), 0 failed" in result.stdout
    assert "\\Seen" in dovecot.flags()[_id(1)]
    raw = abusedesk("complaints", "get", "1", "--raw", env=env)
    assert raw.code == 0 and raw.stdout.encode() == _raw(1)


def test_the_serve_part_polls_until_stopped(database_url: str, dovecot: Dovecot,
                                            tmp_path: Path) -> None:
    import asyncio

    from pydantic import SecretStr

    from abusedesk.bootstrap import build_container, prepare_database
    from abusedesk.interfaces.serve_options import ServeOptions
    from abusedesk.interfaces.smtpd.imap import imap_poller_component

    settings = Settings(database_url=database_url, data_dir=tmp_path / "data",
                        imap_host=dovecot.host, imap_port=dovecot.port, imap_tls=False,
                        imap_user=dovecot.user, imap_password=SecretStr(dovecot.password),
                        imap_poll_seconds=1)
    container = build_container(settings)
    prepare_database(container)
    records = ComplaintRecords(container.uow)

    async def serve_while_mail_arrives() -> str | None:
        async with imap_poller_component(container, ServeOptions()) as line:
            for number in (1, 2):
                await asyncio.to_thread(dovecot.append, _raw(number))
                for _ in range(100):  # each lands within a poll interval or two
                    if len(records.list()) == number:
                        break
                    await asyncio.sleep(0.1)
            return line

    try:
        line = asyncio.run(serve_while_mail_arrives())
        stored = {records.raw(r.id).data for r in records.list()}
    finally:
        container.close()
    assert line == f"imap: polling imap://abuse@127.0.0.1:{dovecot.port}/INBOX every 1s"
    assert stored == {_raw(1), _raw(2)}
    assert all("\\Seen" in flags for flags in dovecot.flags().values())
