"""``abusedesk parse --json``: one JSON object per file, quarantine reasons included."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from abusedesk.interfaces.cli.main import build_app
from tests.unit.parsers.helpers import arf


def test_parse_json_prints_one_object_per_file(tmp_path):
    report = tmp_path / "fbl.eml"
    report.write_text(arf("Feedback-Type: abuse\nSource-IP: 10.7.7.7\n"
                          "Arrival-Date: Tue, 05 Mar 2024 10:00:00 +0000"))
    junk = tmp_path / "junk.txt"
    junk.write_text("hello, nothing to see\n")
    outcome = CliRunner().invoke(build_app(), ["parse", "--json", str(report), str(junk),
                                               "--received-at", "2024-03-06T00:00:00+00:00"])
    assert outcome.exit_code == 0, outcome.output
    lines = [json.loads(line) for line in outcome.output.splitlines()]
    assert [line["file"] for line in lines] == [str(report), str(junk)]
    first, second = lines
    assert (first["format"], first["not_abuse"], first["error"]) == ("arf", False, None)
    (event,) = first["events"]
    assert {k: event[k] for k in ("ip", "port", "url", "domain", "email", "event_time",
                                  "category", "type", "clause_ids")} == {
        "ip": "10.7.7.7", "port": None, "url": None, "domain": None, "email": None,
        "event_time": "2024-03-05T10:00:00Z", "category": "messaging", "type": "spam",
        "clause_ids": ["conduct.5a"]}
    assert second["events"] == [] and second["error"]
