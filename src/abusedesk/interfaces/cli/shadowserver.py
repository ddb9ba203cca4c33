"""``abusedesk shadowserver``: refresh and inspect the pinned Shadowserver report-type table.

abusedesk never fetches Shadowserver's schema at run time. An operator (or a maintainer
before a release) runs ``abusedesk shadowserver refresh-schema --from reports.json
--intelmq intelmq.json``; the command regenerates ``abusedesk/parsers/data/shadowserver.json``
and says which report types were added, removed or changed. Each input may also be an
``https://`` URL, fetched once by this command.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

import abusedesk.parsers as parsers_package
from abusedesk.domain.errors import InvalidInput
from abusedesk.interfaces.cli.context import console
from abusedesk.parsers.shadowserver.generate import build_mapping, render_mapping
from abusedesk.parsers.shadowserver.mapping import MAPPING_RESOURCE, builtin_report_types

MAX_SCHEMA_BYTES = 32 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 60.0

shadowserver_app = typer.Typer(help="Shadowserver report types (the pinned schema table).",
                               no_args_is_help=True)


def pinned_table_path() -> Path:
    """Where the package keeps its table (the source tree in an editable install)."""
    return Path(parsers_package.__file__).resolve().parent / "data" / MAPPING_RESOURCE


def read_source(location: str) -> bytes:
    """The bytes of a local file or of an http(s) URL, at most ``MAX_SCHEMA_BYTES``."""
    if location.startswith(("https://", "http://")):
        import httpx

        try:
            with httpx.stream("GET", location, timeout=FETCH_TIMEOUT_SECONDS,
                              follow_redirects=True) as response:
                response.raise_for_status()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_SCHEMA_BYTES:
                        raise InvalidInput(f"{location} is larger than {MAX_SCHEMA_BYTES} bytes")
                return bytes(body)
        except httpx.HTTPError as exc:
            raise InvalidInput(f"cannot fetch {location}: {exc}") from None
    path = Path(location)
    if not path.is_file():
        raise InvalidInput(f"{location} is not a file (or an http(s) URL)")
    if path.stat().st_size > MAX_SCHEMA_BYTES:
        raise InvalidInput(f"{location} is larger than {MAX_SCHEMA_BYTES} bytes")
    return path.read_bytes()


def _load_json(location: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{location} is not JSON ({exc})") from None


def _describe(data: bytes, parsed: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest()}
    meta = parsed.get("_meta") if isinstance(parsed, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("date_created"), str):
        info["date_created"] = meta["date_created"]
    return info


@shadowserver_app.command("refresh-schema")
def refresh_schema(
    reports_from: Annotated[str, typer.Option(
        "--from", help="Shadowserver's reports.json: file or URL.")],
    intelmq_from: Annotated[str | None, typer.Option(
        "--intelmq", help="Shadowserver's intelmq.json (classifications): file or URL.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Write here instead of into the package.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Only compare; exit 1 if the table differs.")] = False,
) -> None:
    """Regenerate the pinned report-type table from Shadowserver's published schema."""
    reports_bytes = read_source(reports_from)
    reports = _load_json(reports_from, reports_bytes)
    sources: dict[str, Any] = {"reports.json": _describe(reports_bytes, reports)}
    intelmq = None
    if intelmq_from is not None:
        intelmq_bytes = read_source(intelmq_from)
        intelmq = _load_json(intelmq_from, intelmq_bytes)
        sources["intelmq.json"] = _describe(intelmq_bytes, intelmq)
    mapping = build_mapping(reports, intelmq, sources=sources)
    text = render_mapping(mapping)
    target = output or pinned_table_path()
    old_text = target.read_text(encoding="utf-8") if target.is_file() else None
    _print_changes(old_text, mapping)
    if check:
        if old_text != text:
            console.print(f"{target} is not what these inputs generate")
            raise typer.Exit(1)
        console.print(f"{target} is up to date ({len(mapping['types'])} report types)")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    console.print(f"wrote {len(mapping['types'])} report types to {target}")


def _print_changes(old_text: str | None, mapping: dict[str, Any]) -> None:
    old_types: dict[str, Any] = json.loads(old_text)["types"] if old_text else {}
    new_types = mapping["types"]
    for name in sorted(set(new_types) - set(old_types)):
        entry = new_types[name]
        console.print(f"[green]+ {name}[/green] {entry['xarf']} ({entry['rsit']})")
    for name in sorted(set(old_types) - set(new_types)):
        console.print(f"[red]- {name}[/red]")
    for name in sorted(set(old_types) & set(new_types)):
        if old_types[name] != new_types[name]:
            keys = sorted(k for k in set(old_types[name]) | set(new_types[name])
                          if old_types[name].get(k) != new_types[name].get(k))
            console.print(f"[yellow]~ {name}[/yellow] {', '.join(keys)}")


@shadowserver_app.command("types")
def list_types(
    name: Annotated[str | None, typer.Argument(help="Show only names containing this.")] = None,
) -> None:
    """The report types abusedesk reads, with their XARF and RSIT classification."""
    table = Table("report type", "xarf", "rsit", "role", "offender columns")
    for report_type in sorted(builtin_report_types(), key=lambda t: t.name):
        if name and name not in report_type.name:
            continue
        role = "victim" if report_type.victim else (
            "amplifier" if report_type.amplifier else "offender")
        columns = ", ".join(f"{kind}={'|'.join(c)}" for kind, c in report_type.columns.items()
                            if kind != "time")
        table.add_row(report_type.name, f"{report_type.category}/{report_type.type}",
                      report_type.rsit, role, columns)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(shadowserver_app, name="shadowserver")
