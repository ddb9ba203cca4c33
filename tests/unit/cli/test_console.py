"""The CLI console: full-width, unwrapped lines into pipes and files; fitted on a terminal."""

from __future__ import annotations

import io

from rich.table import Table

from abusedesk.interfaces.cli.context import CommandConsole

LONG_NAME = "Northwind Widgets and Assorted Mechanical Contraptions Holding Ltd"
LONG_MAIL = "security-operations-centre@northwind-widgets.example.com"


def _table() -> Table:
    table = Table("ref", "name", "representative", "notify", "assets now")
    table.add_row("C-1001", LONG_NAME, LONG_MAIL, "C-1001", "3")
    return table


def test_into_a_pipe_a_table_row_stays_one_line_whatever_columns_says() -> None:
    out = io.StringIO()
    # COLUMNS may be exported by a shell; it describes a terminal this output is not going to.
    console = CommandConsole(file=out, highlight=False, _environ={"COLUMNS": "60"})
    console.print(_table())
    console.print("demo: customer portal (/portal) access key of Riverbank Cloud Resellers "
                  "(P-2001, a partner): adk_" + "x" * 43)
    lines = out.getvalue().splitlines()
    row = next(line for line in lines if "C-1001" in line)
    assert LONG_NAME in row and LONG_MAIL in row
    assert lines[-1].endswith("adk_" + "x" * 43)
    assert "…" not in out.getvalue()


def test_on_a_terminal_the_table_still_fits_the_window() -> None:
    out = io.StringIO()
    console = CommandConsole(file=out, highlight=False, force_terminal=True, width=60,
                             color_system=None)
    console.print(_table())
    assert max(len(line) for line in out.getvalue().splitlines()) <= 60
