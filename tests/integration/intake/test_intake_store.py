"""The raw store: exact bytes by SHA-256, arrivals with their envelope, duplicates recorded,
a processing job committed with each original. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text, update

from abusedesk.adapters.db.tables.complaints import RawMessageRow
from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import (
    PROCESS_TASK,
    Channel,
    ComplaintStatus,
    ContentType,
    Envelope,
)
from abusedesk.domain.errors import (
    Conflict,
    InputLimitExceeded,
    InvalidInput,
    NotFound,
    StorageError,
)
from abusedesk.services.intake import IntakeService
from abusedesk.services.intake_records import ComplaintRecords
from tests.integration.intake.conftest import queued_jobs
from tests.support.smtp import arf_complaint, crlf

ENVELOPE = Envelope(mail_from="bounces@feedback.example.org",
                    rcpt_tos=("abuse@hosting.example.net", "Abuse@Other.Example"),
                    peer="[2001:db8::25]:41234", helo="mx1.feedback.example.org")


def _raw(number: int = 1, **options: object) -> bytes:
    return arf_complaint(source_ip="192.0.2.10", message_id=f"fbl-{number}@feedback.example.org",
                         **options)  # type: ignore[arg-type]


def test_exact_bytes_and_arrival_are_kept_with_a_job(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    raw = _raw(note="\r\nLine with 8-bit text: Grüße, 日本\r\n" + "x" * 3000 + "\r\n.")
    raw = raw + b"\r\n\x00\xff trailing bytes without a final newline"
    receipt = intake.accept_message(raw, channel=Channel.SMTP, envelope=ENVELOPE)

    copy = records.raw(receipt.complaint_id)
    assert copy.data == raw
    assert copy.sha256 == hashlib.sha256(raw).hexdigest() == receipt.sha256
    assert copy.content_type is ContentType.RFC822
    record = records.get(receipt.complaint_id)
    assert record.status is ComplaintStatus.RECEIVED
    assert record.envelope == ENVELOPE
    assert record.channel is Channel.SMTP
    assert record.received_at == container.clock.now()
    assert (record.message_id, record.sender) == ("fbl-1@feedback.example.org",
                                                  "fbl@feedback.example.org")
    assert record.size == len(raw)
    assert queued_jobs(container, PROCESS_TASK) == [{"complaint_id": receipt.complaint_id}]


def test_identical_bytes_are_a_duplicate_pointing_at_the_original(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    first = intake.accept_message(_raw(), channel=Channel.SMTP, envelope=ENVELOPE)
    again = intake.accept_message(_raw(), channel=Channel.IMAP, source="imap://x/INBOX;UID=9")
    assert not first.is_duplicate
    assert again.is_duplicate and again.duplicate_of == first.complaint_id
    assert again.complaint_id != first.complaint_id
    duplicate = records.get(again.complaint_id)
    assert duplicate.status is ComplaintStatus.DUPLICATE
    assert duplicate.channel is Channel.IMAP
    assert records.raw(again.complaint_id).data == _raw()
    assert queued_jobs(container, PROCESS_TASK) == [{"complaint_id": first.complaint_id}]


def test_same_message_id_and_sender_with_other_bytes_is_a_duplicate_and_both_are_kept(
        intake: IntakeService, records: ComplaintRecords) -> None:
    original = _raw()
    relayed = b"Received: from relay.example.net by mx.hosting.example.net\r\n" + original
    first = intake.accept_message(original, channel=Channel.SMTP)
    second = intake.accept_message(relayed, channel=Channel.IMAP)
    assert second.duplicate_of == first.complaint_id
    assert records.raw(second.complaint_id).data == relayed
    assert records.raw(first.complaint_id).data == original


def test_a_reused_message_id_with_another_body_is_another_complaint(
        intake: IntakeService) -> None:
    first = intake.accept_message(_raw(), channel=Channel.SMTP)
    other_body = arf_complaint(source_ip="192.0.2.99", message_id="fbl-1@feedback.example.org")
    second = intake.accept_message(other_body, channel=Channel.SMTP)
    assert not second.is_duplicate and second.complaint_id != first.complaint_id


def test_same_message_id_from_another_sender_is_another_complaint(intake: IntakeService) -> None:
    first = intake.accept_message(_raw(), channel=Channel.SMTP)
    other = intake.accept_message(_raw(reporter="fbl@another-provider.example"),
                                  channel=Channel.SMTP)
    assert not other.is_duplicate and other.complaint_id != first.complaint_id


def test_same_bytes_from_the_same_source_are_the_same_arrival(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    source = "maildir:/srv/abuse/Maildir/1700000000.M1P2.host"
    first = intake.accept_message(_raw(), channel=Channel.MAILDIR, source=source)
    again = intake.accept_message(_raw(), channel=Channel.MAILDIR, source=source)
    assert (again.complaint_id, again.new) == (first.complaint_id, False)
    assert len(records.list()) == 1
    assert len(queued_jobs(container, PROCESS_TASK)) == 1


def test_concurrent_arrivals_of_one_complaint_make_one_original(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    start = threading.Barrier(8)

    def arrive(index: int) -> tuple[int, int | None]:
        start.wait()
        receipt = intake.accept_message(_raw(), channel=Channel.SMTP,
                                        envelope=Envelope(peer=f"192.0.2.1:{1000 + index}"))
        return receipt.complaint_id, receipt.duplicate_of

    with ThreadPoolExecutor(8) as pool:
        receipts = list(pool.map(arrive, range(8)))
    originals = [cid for cid, duplicate_of in receipts if duplicate_of is None]
    assert len(originals) == 1
    assert {duplicate_of for _, duplicate_of in receipts if duplicate_of} == set(originals)
    assert len({cid for cid, _ in receipts}) == 8
    assert len(records.list(status=ComplaintStatus.DUPLICATE)) == 7
    assert queued_jobs(container, PROCESS_TASK) == [{"complaint_id": originals[0]}]


def test_oversize_and_empty_complaints_are_refused_and_nothing_is_stored(
        container: Container, records: ComplaintRecords) -> None:
    small = IntakeService(container.uow, container.clock, max_message_bytes=2048)
    with pytest.raises(InputLimitExceeded, match="at most 2 KB"):
        small.accept_message(b"x" * 2049, channel=Channel.CLI)
    with pytest.raises(InvalidInput, match="empty"):
        small.accept_message(b"", channel=Channel.CLI)
    assert records.list() == []


def test_xarf_documents_are_stored_as_posted_and_deduplicated_by_report_id(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    document = crlf('{"xarf_version": "4.2.0", "report_id": "r-77",\n'
                    ' "reporter": {"org": "Scan Watch", "contact": "soc@scan.example",'
                    ' "domain": "scan.example"},\n "category": "connection", "type": "port_scan",'
                    ' "source_identifier": "192.0.2.80"}\n')
    first = intake.accept_xarf(document)
    reformatted = intake.accept_xarf(document.replace(b"\r\n", b"\n"))
    copy = records.raw(first.complaint_id)
    assert (copy.data, copy.content_type) == (document, ContentType.XARF_JSON)
    assert reformatted.duplicate_of == first.complaint_id
    with pytest.raises(InvalidInput):
        intake.accept_xarf(b"<xml/>")


def test_a_damaged_copy_is_never_handed_out(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    receipt = intake.accept_message(_raw(), channel=Channel.SMTP)
    with container.sessions.begin() as session:
        session.execute(update(RawMessageRow).where(RawMessageRow.sha256 == receipt.sha256)
                        .values(data=_raw().replace(b"192.0.2.10", b"192.0.2.11")))
    with pytest.raises(StorageError, match="do not match their digest"):
        records.raw(receipt.complaint_id)


def test_replay_refuses_duplicates_and_unknown_ids(
        intake: IntakeService, records: ComplaintRecords) -> None:
    first = intake.accept_message(_raw(), channel=Channel.SMTP)
    again = intake.accept_message(_raw(), channel=Channel.SMTP)
    with pytest.raises(Conflict, match=f"duplicate of {first.complaint_id}"):
        records.replay([again.complaint_id])
    with pytest.raises(NotFound):
        records.replay([first.complaint_id, 999_999])
    with pytest.raises(NotFound):
        records.raw(999_999)


def test_a_failing_database_raises_storage_error_and_keeps_nothing(
        container: Container, intake: IntakeService, records: ComplaintRecords) -> None:
    with container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE complaints RENAME TO complaints_elsewhere"))
    try:
        with pytest.raises(StorageError):
            intake.accept_message(_raw(), channel=Channel.SMTP)
    finally:
        with container.engine.begin() as connection:
            connection.execute(text("ALTER TABLE complaints_elsewhere RENAME TO complaints"))
    assert records.list() == []
    assert queued_jobs(container, PROCESS_TASK) == []
    assert intake.accept_message(_raw(), channel=Channel.SMTP).complaint_id >= 1
