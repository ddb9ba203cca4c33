"""Fixtures of the case tests: customers, complaints through the real intake and
processing, a real SMTP relay on loopback, and the case services wired to it.

Every test using ``desk_container`` runs on SQLite and on PostgreSQL (``database_url``).
Jobs are driven by ``Pipeline`` directly through the services, so the same steps run on
both engines; the embedded worker's own wiring is tested separately (SQLite only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from abusedesk.adapters.db.tables.cases import NoticeRow
from abusedesk.bootstrap import Container, build_container, prepare_database
from abusedesk.config import Settings
from abusedesk.domain.clock import FrozenClock
from abusedesk.domain.complaints import Channel, Envelope
from abusedesk.domain.notices import NoticeStatus
from abusedesk.interfaces.workers.cases import case_desk
from abusedesk.interfaces.workers.complaints import complaint_processor
from abusedesk.services.cases_desk import CaseDesk
from abusedesk.services.intake import IntakeService
from tests.integration.cases.relay import CapturingRelay

PROVIDER_FROM = "abuse@provider.example"

#: The provider's customers, in the customer import format (docs/customers.md).
CUSTOMERS = {
    "format": "abusedesk-customers/1",
    "customers": [
        {"ref": "C-100", "name": "Harbour Widgets Ltd", "kind": "customer",
         "representative": {"name": "Ann Harbour", "email": "abuse-desk@harbour.example",
                            "verified_at": "2026-01-10"},
         "assets": [{"kind": "prefix", "value": "192.0.2.0/25"},
                    {"kind": "domain", "value": "harbour.example"}]},
        {"ref": "C-200", "name": "Lantern Security", "kind": "customer",
         "representative": {"name": "Leo Lantern", "email": "soc@lantern.example"},
         "agreement": {"clauses": {"conduct.3c": {"deadline": "PT24H"}}},
         "consents": [{"kind": "scanning", "scope": ["198.51.100.128/25"],
                       "from": "2026-01-01", "until": "2026-07-01",
                       "granted_by": "CISO, Provider", "document": "AUTH-2026-004"}],
         "assets": [{"kind": "prefix", "value": "198.51.100.128/25"}]},
        {"ref": "P-300", "name": "Riverbank Resellers", "kind": "partner",
         "representative": {"name": "Rita River", "email": "abuse@riverbank.example"},
         "assets": [{"kind": "prefix", "value": "203.0.113.0/25"}]},
        {"ref": "P-300-01", "name": "Meadow Florists", "kind": "customer", "parent": "P-300",
         "representative": {"name": "Mia Meadow", "email": "mia@meadow.example"},
         "assets": [{"kind": "prefix", "value": "203.0.113.128/25"}]},
    ],
}


def arf_complaint(source_ip: str, *, arrival: str = "Sun, 01 Mar 2026 07:58:41 +0000",
                  message_id: str = "fbl-7731@mailbox.example",
                  auto_submitted: str | None = None,
                  sender: str = "fbl-reports@mailbox.example") -> bytes:
    """An ARF (RFC 5965) spam report about ``source_ip``, as a feedback loop sends it."""
    auto = f"Auto-Submitted: {auto_submitted}\r\n" if auto_submitted else ""
    text = (
        f"Return-Path: <{sender}>\r\n"
        f"From: Mailbox Feedback Loop <{sender}>\r\n"
        "To: abuse@provider.example\r\n"
        f"Subject: Complaint about message from {source_ip}\r\n"
        "Date: Sun, 01 Mar 2026 08:14:02 +0000\r\n"
        f"Message-ID: <{message_id}>\r\n{auto}"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b7731"\r\n'
        "\r\n"
        "--b7731\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n\r\n'
        f"An e-mail abuse report for a message received from IP {source_ip}.\r\n"
        ".A line that begins with a dot survives SMTP dot-stuffing.\r\n\r\n"
        "--b7731\r\n"
        "Content-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\n"
        "User-Agent: MailboxFBL/2.0\r\n"
        "Version: 1\r\n"
        f"Arrival-Date: {arrival}\r\n"
        f"Source-IP: {source_ip}\r\n\r\n"
        "--b7731\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "From: Widget Offers <offers@harbour.example>\r\n"
        "To: reader@mailbox.example\r\n"
        "Subject: Last chance: 80% off every widget\r\n"
        f"Date: {arrival}\r\n"
        "Message-ID: <offer-55120@harbour.example>\r\n\r\n"
        "Widgets at prices you will not believe.\r\n"
        "--b7731--\r\n"
    )
    return text.encode("ascii")


def xarf_report(category: str, type_: str, source: str, *, date: str,
                reporter: str = "reports@scanner-watch.example", report_id: str = "r-1") -> bytes:
    """A XARF v4 JSON report (as posted to the API)."""
    document = {
        "xarf_version": "4.0.0", "report_id": report_id, "timestamp": date,
        "category": category, "type": type_, "source_identifier": source,
        "reporter": {"org": "Scanner Watch", "contact": reporter,
                     "domain": "scanner-watch.example"},
        "sender": {"org": "Scanner Watch", "contact": reporter,
                   "domain": "scanner-watch.example"},
        "evidence_source": "honeypot", "description": f"{type_} seen from {source}",
    }
    if category == "connection":
        document.update({"protocol": "tcp", "destination_ip": "192.0.2.200",
                         "destination_port": 22, "source_port": 51234})
    return json.dumps(document, indent=2).encode("utf-8")


@pytest.fixture
def relay() -> Iterator[CapturingRelay]:
    running = CapturingRelay().start()
    yield running
    running.stop()


@pytest.fixture
def case_settings(database_url: str, tmp_path: Path, relay: CapturingRelay) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data",
        relay_host="127.0.0.1", relay_port=relay.port, relay_timeout_seconds=10,
        mail_from=PROVIDER_FROM, public_url="https://abuse.provider.example",
        secret_key="s" * 48, reminder_leads=[timedelta(hours=24)],
    )


@pytest.fixture
def desk_container(case_settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = build_container(case_settings, clock=clock)
    prepare_database(built)
    report = built.customers.import_text(json.dumps(CUSTOMERS), fmt="json")
    assert report.applied, report
    yield built
    built.close()


@dataclass
class Pipeline:
    """Drive complaints through intake, processing, aggregation and sending."""

    container: Container

    @property
    def desk(self) -> CaseDesk:
        return case_desk(self.container)

    def submit(self, raw: bytes, *, mail_from: str | None = "fbl-reports@mailbox.example",
               xarf: bool = False) -> int:
        intake = IntakeService(self.container.uow, self.container.clock,
                               max_message_bytes=self.container.settings.max_message_bytes)
        if xarf:
            receipt = intake.accept_xarf(raw, channel=Channel.API)
        else:
            receipt = intake.accept_message(raw, channel=Channel.SMTP, envelope=Envelope(
                mail_from=mail_from, rcpt_tos=("abuse@provider.example",)))
        complaint_processor(self.container).process(receipt.complaint_id)
        self.desk.cases.aggregate_complaint(receipt.complaint_id)
        return receipt.complaint_id

    def send_queued(self) -> int:
        """Send every queued notice, as the ``notices.send`` jobs would."""
        sent = 0
        with self.container.sessions() as session:
            ids = list(session.scalars(select(NoticeRow.id).where(
                NoticeRow.status == NoticeStatus.QUEUED.value).order_by(NoticeRow.id)))
        for notice_id in ids:
            self.desk.notifications.send(notice_id)
            sent += 1
        return sent


@pytest.fixture
def pipeline(desk_container: Container) -> Pipeline:
    return Pipeline(desk_container)
