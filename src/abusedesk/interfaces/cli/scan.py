"""``abusedesk scan``: look for private data and malware in files, archives and mail.

Findings are printed masked. With ``--open-cases`` each input's findings are stored as a
complaint on the ``scan`` channel, tied to the asset given (or a customer's), and processed
like any complaint, so cases open under content.7 and content.8 with their deadlines.
Exit codes: 0 done (with or without findings), 1 when an input could not be read or a
signature engine failed on it, and the usual codes of ``main`` for configuration and usage
errors. Links, FIFOs and devices are skipped with a note, not an error. Names come from
the scanned files and archives, so control characters in them are printed escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import typer
from rich.console import Console

from abusedesk.adapters.scanning.files import InputFile, input_files
from abusedesk.bootstrap import build_scanner
from abusedesk.config import load_settings
from abusedesk.domain.cases_model import Case
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console, container_for_command
from abusedesk.interfaces.values import parse_moment
from abusedesk.interfaces.workers.runner import build_embedded_worker
from abusedesk.scanning.findings import Finding
from abusedesk.scanning.scan import ScanResult
from abusedesk.services.scanning import Outcome, Submitted

notes_console = Console(stderr=True, highlight=False)


def scan(
    paths: list[str] = typer.Argument(..., help="Files or directories (archives and .eml "
                                                "files are opened)."),
    asset: str | None = typer.Option(None, "--asset", help="The IP address, host name or URL "
                                                           "the content was found on."),
    customer: str | None = typer.Option(None, "--customer", help="Tie findings to this "
                                        "customer's asset (a host name, domain or prefix)."),
    at: str | None = typer.Option(None, "--at", help="When the content was found (date or ISO "
                                                     "8601 time, UTC if no zone); default now."),
    open_cases: bool = typer.Option(False, "--open-cases", help="Store findings as complaints "
                                    "and process them into cases."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Scan PATHS for credit-card numbers, IBANs, phone numbers, e-mail addresses, ID
    numbers (masked in all output) and malware signatures (YARA, ClamAV)."""
    if (asset or customer) and not open_cases:
        raise InvalidInput("--asset and --customer tie findings to cases: add --open-cases")
    if asset and customer:
        raise InvalidInput("give --asset or --customer, not both")
    settings = load_settings()
    scanner, notes = build_scanner(settings)
    results: list[ScanResult] = []
    unread: list[InputFile] = []
    for found in input_files(paths, max_bytes=settings.max_message_bytes):
        if found.data is None:
            unread.append(found)
        else:
            results.append(scanner.scan(found.path, found.data))
    outcomes: list[tuple[Submitted, Outcome]] = []
    if open_cases:
        outcomes = _open_cases(results, asset=asset, customer=customer, at=at, notes=notes)
    if as_json:
        _print_json(results, unread, outcomes, notes)
    else:
        _print_text(results, unread, outcomes, notes)
    if any(not found.skipped for found in unread) or any(
            part.failed for result in results for part in result.unscanned):
        raise SystemExit(1)


def _open_cases(results: Sequence[ScanResult], *, asset: str | None, customer: str | None,
                at: str | None, notes: list[str]) -> list[tuple[Submitted, Outcome]]:
    with container_for_command() as container:
        moment = parse_moment(at) if at else container.clock.now()
        cases = container.scan_cases
        chosen = cases.asset_for(asset=asset, customer=customer, at=moment)
        submitted = cases.submit(results, asset=chosen, at=moment)
        if submitted and container.settings.is_embedded:
            build_embedded_worker(container).run_until_idle()
        elif submitted:
            notes.append("complaints are queued for the workers (`abusedesk worker`)")
        return [(item, cases.outcome(item.receipt.complaint_id)) for item in submitted]


def shown(name: str) -> str:
    """``name`` safe for a terminal: control and unprintable characters (and undecodable
    bytes of a file name) as escapes, so a file called ``a\x1b[2J`` cannot clear it."""
    if name.isprintable():
        return name
    return "".join(char if char.isprintable() else
                   char.encode("utf-8", "surrogateescape").decode("latin-1")
                   .encode("unicode_escape").decode("ascii") for char in name)


def _finding_line(finding: Finding) -> str:
    where = shown(finding.location)
    if finding.line is not None:
        where += f" line {finding.line}"
    if finding.offset is not None:
        where += f" offset {finding.offset}"
    label = f" {finding.label}" if finding.label else ""
    return (f"  {finding.detector}{label}: {finding.masked}  ({where}; confidence "
            f"{finding.confidence:.2f})")


def _print_text(results: Sequence[ScanResult], unread: Sequence[InputFile],
                outcomes: Sequence[tuple[Submitted, Outcome]], notes: Sequence[str]) -> None:
    def out(text: str, style: str | None = None) -> None:
        console.print(text, style=style, markup=False, soft_wrap=True)

    for note in notes:
        notes_console.print(f"note: {note}")
    for result in results:
        if not result.findings and not result.unscanned:
            continue  # the total says how many inputs were clean
        out(f"{shown(result.name)}: {len(result.findings)} finding(s) in {result.items} "
            f"item(s) (sha256 {result.sha256[:16]}...)")
        for finding in result.findings:
            out(_finding_line(finding))
        for part in result.unscanned:
            out(f"  not scanned: {shown(part.location)}: {shown(part.reason)}",
                style="red" if part.failed else None)
    for found in unread:
        out(f"{'skipped' if found.skipped else 'not scanned'}: {shown(found.path)}: "
            f"{found.problem}", style=None if found.skipped else "red")
    for submitted, outcome in outcomes:
        duplicate = " (a duplicate of an earlier scan)" if submitted.receipt.duplicate_of else ""
        out(f"complaint {outcome.complaint_id} ({submitted.kind.value} in "
            f"{shown(submitted.name)})"
            f"{duplicate}: {outcome.status.value}"
            + (f" - {outcome.reason}" if outcome.reason else ""))
        for case in outcome.cases:
            due = case.clock.due_at()
            out(f"  case {case.reference} {case.clause_id} {case.clause_title}: "
                f"{case.state.value}" + (f", due {due:%Y-%m-%d %H:%M} UTC" if due else ""))
    total = sum(len(result.findings) for result in results)
    out(f"{total} finding(s) in {len(results)} input(s)"
        + (f"; {len(unread)} not scanned or skipped" if unread else ""))


def _print_json(results: Sequence[ScanResult], unread: Sequence[InputFile],
                outcomes: Sequence[tuple[Submitted, Outcome]], notes: Sequence[str]) -> None:
    document = {
        "inputs": [
            {"name": r.name, "sha256": r.sha256, "size": r.size, "items": r.items,
             "findings": [f.as_dict() for f in r.findings],
             "unscanned": [{"location": u.location, "reason": u.reason, "failed": u.failed}
                           for u in r.unscanned]}
            for r in results
        ],
        "unreadable": [{"path": f.path, "problem": f.problem} for f in unread if not f.skipped],
        "skipped": [{"path": f.path, "reason": f.problem} for f in unread if f.skipped],
        "complaints": [
            {"complaint_id": o.complaint_id, "input": s.name, "kind": s.kind.value,
             "duplicate_of": s.receipt.duplicate_of, "status": o.status.value,
             "reason": o.reason,
             "cases": [{"reference": c.reference, "clause": c.clause_id, "state": c.state.value,
                        "due_at": _iso(c)} for c in o.cases]}
            for s, o in outcomes
        ],
        "notes": list(notes),
    }
    typer.echo(json.dumps(document, indent=2))


def _iso(case: Case) -> str | None:
    due = case.clock.due_at()
    return due.isoformat() if due else None


def register(app: typer.Typer) -> None:
    """Add ``scan`` to the abusedesk app."""
    app.command("scan")(scan)
