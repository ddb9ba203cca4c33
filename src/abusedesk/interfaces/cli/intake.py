"""CLI intake: ``submit`` files, ``import maildir``/``import mbox``, and a one-shot ``imap poll``.

Every command stores through the same intake as the SMTP server: exact bytes, dedup,
a processing job per original. They print a summary line and exit with code 1 if any
message could not be stored (each is listed with the reason).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from abusedesk.adapters.mail.files import EmlFiles, MaildirSource, MboxSource
from abusedesk.bootstrap import Container
from abusedesk.domain.complaints import Channel, MailboxItem, Receipt
from abusedesk.domain.ports import Mailbox
from abusedesk.interfaces.cli.context import CommandConsole, console, container_for_command
from abusedesk.interfaces.smtpd.imap import imap_account, poll_imap_once
from abusedesk.interfaces.workers.runner import build_embedded_worker
from abusedesk.services.intake import IntakeService
from abusedesk.services.intake_mailbox import ImportReport, import_mailbox

#: Show a progress bar from this many messages on.
PROGRESS_FROM = 10
#: Progress goes to standard error, so standard output stays a clean summary.
progress_console = CommandConsole(stderr=True)

import_app = typer.Typer(help="Import complaints from a Maildir folder or an mbox file.",
                         no_args_is_help=True)
imap_app = typer.Typer(help="IMAP polling of an existing abuse@ mailbox.", no_args_is_help=True)

ProcessOption = typer.Option(
    False, "--process",
    help="On SQLite, run the queued processing jobs before returning (no server needed).")


def _intake(container: Container) -> IntakeService:
    return container.intake


@contextmanager
def _progress(total: int | None) -> Iterator[Callable[[MailboxItem, Receipt | None], None]]:
    """A progress bar for many messages (on standard error); nothing for a few."""
    if total is not None and total < PROGRESS_FROM:
        yield lambda item, receipt: None
        return
    with Progress(TextColumn("storing"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=progress_console, transient=True) as progress:
        bar = progress.add_task("storing", total=total)
        yield lambda item, receipt: progress.advance(bar)


def _run(container: Container, source: Mailbox, channel: Channel, total: int | None,
         *, verbose: bool, process: bool) -> None:
    with _progress(total) as on_item:
        report = import_mailbox(source, _intake(container), channel=channel, on_item=on_item)
    _finish(container, report, verbose=verbose, process=process)


def _finish(container: Container, report: ImportReport, *, verbose: bool,
            process: bool) -> None:
    """Print what was stored, run the jobs if asked, and exit 1 if anything failed."""
    if verbose:
        for complaint_id in report.stored:
            console.print(f"stored complaint {complaint_id}")
        for complaint_id in report.duplicates:
            console.print(f"complaint {complaint_id} recorded as a duplicate")
    for source, why in report.failed:
        console.print(f"not stored: {source}: {why}", style="red")
    console.print(report.summary())
    if process:
        done = run_queued_jobs(container)
        if done is not None:
            console.print(f"{done} job(s) run")
    if report.failed:
        raise SystemExit(1)  # typer.Exit codes are lost with standalone_mode=False


def run_queued_jobs(container: Container) -> int | None:
    """On SQLite, run the queued jobs now and return how many ran; on PostgreSQL, say
    that the workers run them and return None."""
    if not container.settings.is_embedded:
        console.print("jobs are queued for the workers (`abusedesk worker`)")
        return None
    return build_embedded_worker(container).run_until_idle()


def submit(
    paths: list[str] = typer.Argument(..., help=".eml files, directories of them, or - for "
                                                "standard input."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print each complaint number."),
    process: bool = ProcessOption,
) -> None:
    """Store complaints from files as if they had arrived at abuse@."""
    with container_for_command() as container:
        source = EmlFiles(paths, max_message_bytes=container.settings.max_message_bytes,
                          stdin=sys.stdin.buffer)
        total = len(source.files())
        _run(container, source, Channel.CLI, total, verbose=verbose or total == 1,
             process=process)


@import_app.command("maildir")
def import_maildir(
    path: Path = typer.Argument(..., help="A Maildir folder (with cur/ and new/)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    process: bool = ProcessOption,
) -> None:
    """Import every message of a Maildir folder; the folder is left unchanged."""
    with container_for_command() as container:
        source = MaildirSource(path, max_message_bytes=container.settings.max_message_bytes)
        _run(container, source, Channel.MAILDIR, len(source.files()), verbose=verbose,
             process=process)


@import_app.command("mbox")
def import_mbox(
    path: Path = typer.Argument(..., help="An mbox file."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    process: bool = ProcessOption,
) -> None:
    """Import every message of an mbox file; the file is left unchanged."""
    with container_for_command() as container:
        source = MboxSource(path, max_message_bytes=container.settings.max_message_bytes)
        _run(container, source, Channel.MBOX, None, verbose=verbose, process=process)


@imap_app.command("poll")
def imap_poll(
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    process: bool = ProcessOption,
) -> None:
    """Take every unseen message of the configured IMAP mailbox once, marking each \\Seen
    after it is stored."""
    with container_for_command() as container:
        account = imap_account(container.settings)
        console.print(f"polling {account.url()}")
        with _progress(None) as on_item:
            report = poll_imap_once(container, account, on_item=on_item)
        _finish(container, report, verbose=verbose, process=process)


def register(app: typer.Typer) -> None:
    """Add ``submit``, ``import`` and ``imap`` to the abusedesk app."""
    app.command("submit")(submit)
    app.add_typer(import_app, name="import")
    app.add_typer(imap_app, name="imap")
