"""``abusedesk audit``: verify the tamper-evident audit log, print its head, read entries.

``verify`` recomputes the hash chain over every entry and names each entry that was
edited, deleted or re-linked, and a head that does not match; it exits 1 when it finds
anything. ``head`` prints ``SEQ:HASH`` to publish somewhere the database cannot reach;
``verify --expect-head SEQ:HASH`` later proves the log was not cut back and rewritten.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from abusedesk.domain.errors import AbuseDeskError
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.workers.cases import case_desk

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


class AuditLogTampered(AbuseDeskError):
    """Verification found entries that were changed, removed or re-linked."""


@audit_app.command("verify")
def verify(
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="A head printed earlier by `abusedesk audit head`."),
) -> None:
    """Recompute the hash chain; fail (exit 1) when an entry was edited or deleted."""
    with container_for_command() as container:
        result = case_desk(container).audit.verify(expected_head=expect_head)
    for problem in result.problems:
        console.print(f"[red]{problem.kind.value}[/red] at entry {problem.seq}: "
                      f"{escape(problem.message)}")
    if not result.ok:
        raise AuditLogTampered(f"the audit log does not verify: {len(result.problems)} "
                               f"problem(s) in {result.entries} entries")
    console.print(f"audit log verified: {result.entries} entries, head "
                  f"{result.last_seq}:{result.last_hash}")


@audit_app.command("head")
def head() -> None:
    """Print the head of the chain as SEQ:HASH."""
    with container_for_command() as container:
        seq, digest = case_desk(container).audit.head()
    console.print(f"{seq}:{digest}")


@audit_app.command("log")
def log(
    case: str | None = typer.Option(None, "--case", help="Entries about this case only."),
    subject: str | None = typer.Option(None, "--subject", help="TYPE:ID, e.g. complaint:12."),
) -> None:
    """Print the entries about one case or subject."""
    with container_for_command() as container:
        desk = case_desk(container)
        if case is not None:
            subject_type, subject_id = "case", str(desk.queries.case(case).id)
        elif subject is not None and ":" in subject:
            subject_type, subject_id = subject.split(":", 1)
        else:
            raise typer.BadParameter("give --case REF or --subject TYPE:ID")
        entries = desk.audit.history(subject_type, subject_id)
    for entry in entries:
        console.print(f"{entry.seq:>6} {entry.at:%Y-%m-%d %H:%M:%S} {escape(entry.actor)} "
                      f"{entry.action} {escape(entry.reason or '')} {escape(entry.data_json)}")
    console.print(f"{len(entries)} entries")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""
    app.add_typer(audit_app, name="audit")
