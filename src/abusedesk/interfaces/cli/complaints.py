"""``abusedesk complaints``: list stored complaints, show one (or its exact bytes), replay.

``get ID --raw`` writes the bytes exactly as received to standard output, after checking
them against the SHA-256 they are stored under; ``replay`` queues processing again (on
SQLite, ``--now`` runs it at once).
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from abusedesk.domain.complaints import ComplaintRecord, ComplaintStatus
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.cli.intake import run_queued_jobs
from abusedesk.services.intake_records import ComplaintRecords

complaints_app = typer.Typer(help="Stored complaints: list, show, raw copy, replay.",
                             no_args_is_help=True)


@complaints_app.command("list")
def list_complaints(
    status: ComplaintStatus | None = typer.Option(None, "--status", help="Only this status."),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many, newest first."),
    before: int | None = typer.Option(None, "--before", help="Only ids below this (paging)."),
) -> None:
    """List complaints, newest first."""
    with container_for_command() as container:
        records = ComplaintRecords(container.uow).list(status=status, limit=limit,
                                                       before_id=before)
    table = Table("id", "received (UTC)", "channel", "status", "format", "events", "sender",
                  "subject", box=None)
    for record in records:
        status_text = record.status.value
        if record.duplicate_of is not None:
            status_text += f" of {record.duplicate_of}"
        table.add_row(str(record.id), f"{record.received_at:%Y-%m-%d %H:%M:%S}",
                      record.channel.value, status_text, record.format or "",
                      str(record.event_count), record.sender or "", record.subject or "")
    console.print(table if records else "no complaints")


@complaints_app.command("get")
def get(
    complaint_id: int = typer.Argument(..., metavar="ID"),
    raw: bool = typer.Option(False, "--raw", help="Write the exact bytes to standard output."),
) -> None:
    """Show a complaint with its events, or (``--raw``) write its exact bytes."""
    with container_for_command() as container:
        records = ComplaintRecords(container.uow)
        if raw:
            copy = records.raw(complaint_id)
            sys.stdout.buffer.write(copy.data)
            sys.stdout.buffer.flush()
            return
        record = records.get(complaint_id)
        events = records.events(complaint_id)
    _show(record)
    if events:
        table = Table("#", "time (UTC)", "kind", "offender", "clauses", "customer", box=None)
        for event in events:
            customer = str(event.customer_id) if event.customer_id is not None else (
                f"- ({event.not_ours_reason})" if event.not_ours_reason else "-")
            table.add_row(str(event.sequence), f"{event.event_time:%Y-%m-%d %H:%M:%S}",
                          f"{event.category}/{event.type}", event.offender or "",
                          ", ".join(event.clause_ids) or (event.classification_note or ""),
                          customer)
        console.print(table)


def _show(record: ComplaintRecord) -> None:
    envelope = record.envelope
    lines = [
        ("complaint", str(record.id)),
        ("status", record.status.value + (f" of complaint {record.duplicate_of}"
                                          if record.duplicate_of is not None else "")),
        ("reason", record.reason),
        ("received", f"{record.received_at:%Y-%m-%d %H:%M:%S} UTC via {record.channel.value}"),
        ("source", record.source),
        ("peer", envelope.peer),
        ("helo", envelope.helo),
        ("envelope from", None if envelope.mail_from is None else f"<{envelope.mail_from}>"),
        ("envelope to", ", ".join(envelope.rcpt_tos) or None),
        ("message-id", record.message_id),
        ("sender", record.sender),
        ("subject", record.subject),
        ("format", record.format),
        ("reporter", record.reporter),
        ("size", f"{record.size:,} bytes ({record.content_type.value})"),
        ("sha256", record.sha256),
        ("events", str(record.event_count)),
    ]
    for label, value in lines:
        if value:
            console.print(f"{label:>14}: {value}", markup=False)
    for warning in record.warnings:
        console.print(f"{'warning':>14}: {warning}", markup=False)


@complaints_app.command("replay")
def replay(
    complaint_ids: list[int] | None = typer.Argument(None, metavar="[ID]..."),
    quarantined: bool = typer.Option(False, "--quarantined", help="Every quarantined complaint."),
    pending: bool = typer.Option(False, "--pending",
                                 help="Every complaint still waiting for processing."),
    now: bool = typer.Option(False, "--now", help="On SQLite, process them before returning."),
) -> None:
    """Process complaints again (after a parser fix): by id, or all quarantined ones."""
    if bool(complaint_ids) + quarantined + pending != 1:
        raise InvalidInput("name complaint ids, or give --quarantined or --pending (one of them)")
    with container_for_command() as container:
        records = ComplaintRecords(container.uow)
        if quarantined:
            ids = records.replay_all(ComplaintStatus.QUARANTINED)
        elif pending:
            ids = records.replay_all(ComplaintStatus.RECEIVED)
        else:
            ids = records.replay(complaint_ids or [])
        console.print(f"{len(ids)} complaint(s) queued for processing")
        if not (now and ids) or run_queued_jobs(container) is None:
            return  # nothing to run now, or the workers run it
        after = [records.get(complaint_id) for complaint_id in ids]
        for status in ComplaintStatus:
            count = sum(1 for record in after if record.status is status)
            if count:
                console.print(f"  {status.value}: {count}")


def register(app: typer.Typer) -> None:
    """Add ``complaints`` to the abusedesk app."""
    app.add_typer(complaints_app, name="complaints")
