"""End to end: a complaint sent to ``abusedesk serve`` over SMTP becomes a case whose notice
reaches a real SMTP relay carrying the complaint byte for byte; the deadline then passes in
real time and the periodic job escalates the case. On SQLite (serve runs the jobs) and on
PostgreSQL (an ``abusedesk worker`` process runs them through procrastinate).

The customers' agreements give clauses 5a and 3c one-minute deadlines (the shortest an
agreement takes), and the deadline check runs every five seconds, so deadlines pass while
the test waits; no clock is faked anywhere. A port scan from a customer holding a
written consent for it goes in alongside: it must be marked as covered and neither
notified nor escalated, though its deadline would have passed too.
"""

from __future__ import annotations

import email
import json
import smtplib
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest

from tests.integration.cases.conftest import CUSTOMERS, arf_complaint
from tests.integration.cases.relay import CapturingRelay, Delivered, split_multipart
from tests.support.cli import abusedesk
from tests.support.smtp_serve import ManagedProcess, ServeProcess, abusedesk_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REPRESENTATIVE = "abuse-desk@harbour.example"


@pytest.fixture
def relay() -> Iterator[CapturingRelay]:
    running = CapturingRelay().start()
    yield running
    running.stop()


SCANNER = "soc@lantern.example"


def _customers_with_one_minute_deadlines(path: Path) -> Path:
    document = json.loads(json.dumps(CUSTOMERS))
    harbour = next(c for c in document["customers"] if c["ref"] == "C-100")
    harbour["agreement"] = {"clauses": {"conduct.5a": {"deadline": "PT1M"}}}
    lantern = next(c for c in document["customers"] if c["ref"] == "C-200")
    lantern["agreement"] = {"clauses": {"conduct.3c": {"deadline": "PT1M"}}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def fail2ban_port_scan(source_ip: str) -> bytes:
    """A fail2ban report of a port scan, as a victim's server mails it."""
    return (
        "From: Fail2Ban <fail2ban@victim.example>\r\n"
        "To: abuse@provider.example\r\n"
        f"Subject: [Fail2Ban] portscan: banned {source_ip}\r\n"
        "Date: Sun, 01 Mar 2026 10:00:00 +0000\r\n"
        "Message-ID: <f2b-1@victim.example>\r\n\r\n"
        f"The IP {source_ip} has just been banned by Fail2Ban after 20 attempts against "
        "portscan.\r\n\r\n"
        f"Lines containing IP {source_ip} in /var/log/syslog\r\n\r\n"
        f"Mar  1 09:59:01 gw kernel: [UFW BLOCK] IN=eth0 SRC={source_ip} DST=192.0.2.200 "
        "PROTO=TCP DPT=22\r\n"
    ).encode("ascii")


def _subject(message: Delivered) -> str:
    return str(email.message_from_bytes(message.data, policy=policy.default)["Subject"])


def test_a_complaint_sent_to_serve_reaches_the_relay_byte_exact_and_then_escalates(
        database_url: str, tmp_path: Path, relay: CapturingRelay) -> None:
    env = abusedesk_env(database_url, tmp_path / "data",
                        ABUSEDESK_RELAY_HOST="127.0.0.1", ABUSEDESK_RELAY_PORT=str(relay.port),
                        ABUSEDESK_MAIL_FROM="abuse@provider.example",
                        ABUSEDESK_PUBLIC_URL="https://abuse.provider.example",
                        ABUSEDESK_SECRET_KEY="e2e-" + "k" * 40,
                        ABUSEDESK_DEADLINE_CHECK_CRON="* * * * * */5")
    assert abusedesk("db", "upgrade", env=env).code == 0
    customers = _customers_with_one_minute_deadlines(tmp_path / "customers.json")
    imported = abusedesk("customers", "import", str(customers), env=env)
    assert imported.code == 0, imported.stderr

    server = ServeProcess(env, tmp_path / "serve.log")
    worker = ManagedProcess(["worker", "--concurrency", "2"], env, tmp_path / "worker.log")
    server.start_and_wait()
    if not database_url.startswith("sqlite"):
        worker.start()
    try:
        complaint = arf_complaint("192.0.2.10")
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as client:
            client.sendmail("fbl-reports@mailbox.example", ["abuse@provider.example"], complaint)
            client.sendmail("fail2ban@victim.example", ["abuse@provider.example"],
                            fail2ban_port_scan("198.51.100.200"))

        notice = relay.wait_until(lambda m: REPRESENTATIVE in m.rcpt_tos, timeout=120)
        stored = abusedesk("complaints", "get", "1", "--raw", env=env)
        assert stored.code == 0
        attachment_head, attachment = split_multipart(notice.data)[1][1]
        assert b"Content-Type: message/rfc822" in attachment_head
        assert attachment == stored.stdout.encode("utf-8")
        assert attachment.endswith(complaint)  # what the complainant sent, whole
        assert "Email Spamming" in _subject(notice)
        ack = relay.wait_until(lambda m: "fbl-reports@mailbox.example" in m.rcpt_tos)
        assert b"Auto-Submitted: auto-replied" in ack.data

        escalation = relay.wait_until(
            lambda m: REPRESENTATIVE in m.rcpt_tos and "Deadline passed" in _subject(m),
            timeout=240)
        assert "suspend" in _subject(escalation)
        listed = abusedesk("cases", "list", env=env)
        assert listed.code == 0 and "escalated" in listed.stdout, listed.stdout
        actions = abusedesk("cases", "actions", "--pending", env=env)
        assert "suspend" in actions.stdout
        every = abusedesk("cases", "list", "--all", env=env).stdout
        (consent_line,) = [line for line in every.splitlines() if "198.51.100.200" in line]
        assert "closed" in consent_line and "consent" in consent_line
        assert relay.to(SCANNER) == []  # neither notified nor escalated
        verified = abusedesk("audit", "verify", env=env)
        assert verified.code == 0, verified.stdout + verified.stderr
    finally:
        worker.stop()
        server.stop()
