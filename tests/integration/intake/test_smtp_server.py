"""The abuse@ SMTP server with a real client: byte-exact storage, recipient rules, size limit,
451 when the database fails, many sessions at once. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from abusedesk.bootstrap import Container
from abusedesk.config import Settings
from abusedesk.domain.complaints import Channel, ComplaintStatus
from abusedesk.services.intake_records import ComplaintRecords
from tests.support.smtp import Reply, arf_complaint, crlf, deliver, send, smtp_in_thread

LIMIT = 64 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data",
                    smtp_aliases=["Security@Hosting.Example.Net"], max_message_bytes=LIMIT)


@pytest.fixture
def server(container: Container) -> Iterator[tuple[str, int]]:
    with smtp_in_thread(container) as address:
        yield address


def _raw(number: int) -> bytes:
    return arf_complaint(source_ip="192.0.2.10", message_id=f"smtp-{number}@feedback.example.org")


def _stored_id(reply: Reply) -> int:
    assert reply.code == 250, reply
    return int(reply.text.split("complaint ")[1].split(",")[0])


def test_a_message_is_stored_byte_exact_with_its_envelope(
        server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    raw = crlf("From: Åsa Berg <åsa@exempel.example>\nTo: abuse@hosting.example.net\n"
               "Subject: Skräppost från 192.0.2.10\nMessage-ID: <utf8-1@exempel.example>\n"
               "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
               "Hej, 192.0.2.10 skickar skräppost.\n.leading dot survives\n"
               + "y" * 5000 + "\n")
    with smtplib.SMTP(host, port) as client:
        client.ehlo("mx.exempel.example")
        assert client.has_extn("smtputf8") and client.has_extn("8bitmime")
        local_port = client.sock.getsockname()[1]
        refused = client.sendmail("åsa@exempel.example", ["abuse@hosting.example.net"], raw,
                                  mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    assert refused == {}
    (record,) = records.list()
    assert records.raw(record.id).data == raw
    assert record.channel is Channel.SMTP
    assert record.envelope.mail_from == "åsa@exempel.example"
    assert record.envelope.rcpt_tos == ("abuse@hosting.example.net",)
    assert record.envelope.peer == f"127.0.0.1:{local_port}"
    assert record.envelope.helo == "mx.exempel.example"
    assert record.subject == "Skräppost från 192.0.2.10"


def test_other_recipients_get_550_and_aliases_are_accepted(
        server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    with smtplib.SMTP(host, port) as client:
        client.ehlo()
        client.mail("fbl@feedback.example.org")
        code, message = client.rcpt("postmaster@hosting.example.net")
        assert code == 550 and b"abuse@<any domain>" in message
        assert client.rcpt("security@hosting.example.net")[0] == 250
        assert client.rcpt("ABUSE@customer.example.com")[0] == 250
        code, message = client.data(_raw(1))
    assert code == 250
    (record,) = records.list()
    assert record.envelope.rcpt_tos == ("security@hosting.example.net",
                                        "ABUSE@customer.example.com")
    assert send(host, port, _raw(2), rcpt_tos=["noc@hosting.example.net"]).code == 550
    assert len(records.list()) == 1


def test_oversize_messages_get_552_with_the_limit_and_nothing_is_stored(
        server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    big = _raw(1) + crlf("z" * 900 + "\n") * 80  # about 72 KB, over the 64 KB limit
    # Declared with SIZE=: refused at MAIL FROM.
    with smtplib.SMTP(host, port) as client, \
            pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("fbl@feedback.example.org", ["abuse@hosting.example.net"], big)
    assert refused.value.smtp_code == 552
    assert b"at most 64 KB per complaint" in refused.value.smtp_error
    undeclared = send(host, port, big)  # no SIZE=: refused when DATA passes the limit
    assert undeclared.code == 552 and "at most 64 KB per complaint" in undeclared.text
    assert records.list() == []
    assert send(host, port, _raw(2)).accepted  # the server keeps serving


def test_the_reply_is_451_while_the_database_fails_and_250_once_it_is_back(
        container: Container, server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    with container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE complaints RENAME TO complaints_elsewhere"))
    try:
        failed = send(host, port, _raw(1))
    finally:
        with container.engine.begin() as connection:
            connection.execute(text("ALTER TABLE complaints_elsewhere RENAME TO complaints"))
    assert failed.code == 451 and "try again later" in failed.text
    retried = send(host, port, _raw(1))
    complaint_id = _stored_id(retried)
    assert records.raw(complaint_id).data == _raw(1)
    assert [r.id for r in records.list()] == [complaint_id]


def test_many_sessions_are_served_at_once(
        server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    sessions = 40
    clients = [smtplib.SMTP(host, port, timeout=60) for _ in range(sessions)]
    try:
        for index, client in enumerate(clients):  # every session open and mid-transaction
            client.ehlo(f"mx{index}.feedback.example.org")
            assert client.mail("fbl@feedback.example.org")[0] == 250
            assert client.rcpt("abuse@hosting.example.net")[0] == 250
        start = threading.Barrier(sessions)

        def finish(index: int) -> Reply:
            start.wait(30)
            code, message = clients[index].data(_raw(index))
            return Reply(code, message.decode())

        with ThreadPoolExecutor(sessions) as pool:
            replies = list(pool.map(finish, range(sessions)))
    finally:
        for client in clients:
            client.close()
    assert all(reply.accepted for reply in replies), [r for r in replies if not r.accepted]
    stored = records.list(limit=100)
    assert len(stored) == sessions
    assert all(r.status is ComplaintStatus.RECEIVED for r in stored)
    assert {records.raw(_stored_id(r)).data for r in replies} == {_raw(i) for i in range(sessions)}


def test_a_retry_after_a_lost_reply_is_recorded_as_a_duplicate(
        server: tuple[str, int], records: ComplaintRecords) -> None:
    host, port = server
    with smtplib.SMTP(host, port) as client:
        first = deliver(client, _raw(1), mail_from="fbl@feedback.example.org",
                        rcpt_tos=["abuse@hosting.example.net"])
        again = deliver(client, _raw(1), mail_from="fbl@feedback.example.org",
                        rcpt_tos=["abuse@hosting.example.net"])
    original = _stored_id(first)
    assert f"a duplicate of complaint {original}" in again.text
    assert records.get(_stored_id(again)).duplicate_of == original
