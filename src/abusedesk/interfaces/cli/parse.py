"""CLI command ``abusedesk parse``: read complaint files and print what abusedesk reads in them.

Needs no database. With ``--json`` it prints one JSON object per file (JSON Lines) with the
keys ``file``, ``format``, ``not_abuse``, ``error`` (null or the quarantine reason) and
``events``; without it, a short table per file. Every event is classified against the
built-in policy (or ``--policy FILE``).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from abusedesk.domain.errors import InputLimitExceeded, ParseError
from abusedesk.domain.events import Event
from abusedesk.domain.policy import Policy
from abusedesk.interfaces.values import parse_moment
from abusedesk.parsers import ParseOptions, ParseResult, parse_complaint


def event_json(event: Event) -> dict[str, Any]:
    """The JSON form of an event (the keys documented in docs/formats.md)."""
    return {
        "ip": str(event.ip) if event.ip is not None else None,
        "port": event.port,
        "url": event.url,
        "domain": event.domain,
        "email": event.email,
        "event_time": event.event_time.isoformat().replace("+00:00", "Z")
        if event.event_time
        else None,
        "time_source": str(event.time_source),
        "time_field": event.time_field,
        "category": event.category,
        "type": event.type,
        "rsit_type": event.rsit_type,
        "clause_ids": list(event.clause_ids),
        "reporter": event.reporter,
        "report_id": event.report_id,
        "evidence": event.evidence,
        "details": dict(event.details),
    }


def result_json(path: str, result: ParseResult | None, error: str | None) -> dict[str, Any]:
    return {
        "file": path,
        "format": result.format if result else None,
        "not_abuse": result.not_abuse if result else False,
        "not_abuse_reason": result.not_abuse_reason if result else None,
        "error": error,
        "reporter": result.reporter if result else None,
        "warnings": list(result.warnings) if result else [],
        "events": [event_json(e) for e in result.events] if result else [],
    }


def parse_file(
    path: Path, *, policy: Policy | None, options: ParseOptions, received_at: datetime
) -> tuple[ParseResult | None, str | None]:
    """Parse one file; a parse failure is returned as its quarantine reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror}"
    try:
        return parse_complaint(
            raw, received_at=received_at, policy=policy, options=options, filename=path.name
        ), None
    except (ParseError, InputLimitExceeded) as exc:
        return None, exc.reason


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            found.append(path)
    return found


def register(app: typer.Typer) -> None:
    """Add this module's commands to the abusedesk app."""

    @app.command("parse")
    def parse(
        paths: list[Path] = typer.Argument(
            ..., help="Complaint files (mail or report documents) or folders."
        ),
        as_json: bool = typer.Option(
            False, "--json", help="Print one JSON object per file (JSON Lines)."
        ),
        policy_file: Path | None = typer.Option(
            None, "--policy", help="Classify against this policy file instead of the built-in AUP."
        ),
        keep_doc_ranges: bool = typer.Option(
            False,
            "--keep-documentation-ranges",
            help="Keep RFC 5737/3849 documentation addresses found in free text.",
        ),
        received_at: str | None = typer.Option(
            None,
            "--received-at",
            help="Time of receipt (ISO 8601) used when a report names none; default now.",
        ),
    ) -> None:
        """Parse complaint files and print their normalised events; needs no database."""
        from abusedesk.policies.loader import load_builtin_policy, load_policy_file

        policy = load_policy_file(policy_file) if policy_file else load_builtin_policy()
        options = ParseOptions(free_text_documentation_ranges=keep_doc_ranges)
        moment = parse_moment(received_at) if received_at else datetime.now(UTC)
        for path in _files(paths):
            result, error = parse_file(path, policy=policy, options=options, received_at=moment)
            if as_json:
                sys.stdout.write(
                    json.dumps(result_json(str(path), result, error), ensure_ascii=False) + "\n"
                )
            else:
                _print_human(str(path), result, error)

    def _print_human(path: str, result: ParseResult | None, error: str | None) -> None:
        if result is None:
            typer.echo(f"{path}: QUARANTINE: {error}")
            return
        status = (
            f"not abuse ({result.not_abuse_reason})"
            if result.not_abuse
            else f"{len(result.events)} event(s)"
        )
        typer.echo(f"{path}: {result.format}: {status}")
        for event in result.events:
            when = event.event_time.isoformat() if event.event_time else "-"
            clauses = ",".join(event.clause_ids) or "-"
            typer.echo(
                f"  {event.category}/{event.type}  {event.offender}  port={event.port or '-'}  "
                f"{when} ({event.time_source})  clauses={clauses}"
            )
