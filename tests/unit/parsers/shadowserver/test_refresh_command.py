"""``abusedesk shadowserver refresh-schema`` regenerates the pinned table from local files,
reports what changed, and ``--check`` fails when the table is stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from abusedesk.interfaces.cli import shadowserver

PINNED = shadowserver.pinned_table_path()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    # The command group on an app of its own, as main.build_app registers it.
    app = typer.Typer()
    shadowserver.register(app)

    @app.callback()
    def root() -> None:
        """abusedesk"""

    return app


@pytest.fixture(scope="module")
def schema_dir(corpus_dir: Path) -> Path:
    folder = corpus_dir / "shadowserver-schema"
    if not (folder / "reports.json").is_file():
        pytest.skip(f"Shadowserver's schema is not in {folder}")
    return folder


def refresh(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["shadowserver", "refresh-schema", *args],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_refresh_writes_the_table_from_local_files(app: typer.Typer, schema_dir: Path,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "shadowserver.json"
    code, output = refresh(app, "--from", str(schema_dir / "reports.json"),
                           "--intelmq", str(schema_dir / "intelmq.json"), "--output", str(target))
    assert code == 0, output
    table = json.loads(target.read_text(encoding="utf-8"))
    reports = json.loads((schema_dir / "reports.json").read_bytes())
    assert set(reports) <= set(table["types"])
    assert "+ scan_dns" in output  # a first write lists every type as added
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    if pinned["generated_from"] == table["generated_from"]:
        assert target.read_text(encoding="utf-8") == PINNED.read_text(encoding="utf-8")


def test_check_passes_on_a_fresh_table_and_fails_on_a_stale_one(
        app: typer.Typer, schema_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "shadowserver.json"
    sources = ["--from", str(schema_dir / "reports.json"),
               "--intelmq", str(schema_dir / "intelmq.json"), "--output", str(target)]
    assert refresh(app, *sources)[0] == 0
    assert refresh(app, *sources, "--check")[0] == 0
    stale = json.loads(target.read_text(encoding="utf-8"))
    stale["types"]["scan_dns"]["xarf"] = "connection/ddos"
    del stale["types"]["scan_ssdp"]
    target.write_text(json.dumps(stale), encoding="utf-8")
    code, output = refresh(app, *sources, "--check")
    assert code == 1
    assert "~ scan_dns xarf" in output and "+ scan_ssdp" in output
    assert json.loads(target.read_text(encoding="utf-8")) == stale  # --check writes nothing


def test_refresh_refuses_a_file_that_is_not_a_schema(app: typer.Typer, tmp_path: Path) -> None:
    from abusedesk.domain.errors import InvalidInput

    bogus = tmp_path / "reports.json"
    bogus.write_text("<html>not json</html>", encoding="utf-8")
    with pytest.raises(InvalidInput, match="is not JSON"):
        refresh(app, "--from", str(bogus), "--output", str(tmp_path / "out.json"))
    with pytest.raises(InvalidInput, match="is not a file"):
        refresh(app, "--from", str(tmp_path / "missing.json"))


def test_types_lists_classification_and_role(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["shadowserver", "types", "ddos"],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "event4_honeypot_ddos_amp" in result.output
    line = next(x for x in result.output.splitlines() if "event4_honeypot_ddos_target" in x)
    assert "victim" in line and "dst_ip" in line
    assert "scan_dns" not in result.output
