"""Enforcement through executors: command, dry run, second approver, lifting, charges."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from abusedesk.adapters.enforcement.registry import executors_from_settings
from abusedesk.bootstrap import Container
from abusedesk.domain.cases import CaseState
from abusedesk.domain.enforcement import ActionStatus, ChargeKind
from abusedesk.domain.errors import Conflict
from abusedesk.domain.policy import Action
from abusedesk.interfaces.workers.cases import CaseDesk, desk_settings, relay_mailer
from abusedesk.services.cases_desk import build_case_desk
from tests.integration.cases.conftest import Pipeline, arf_complaint

SCRIPT = """\
import json, os, sys
with open(os.environ["LEDGER"], "a") as ledger:
    ledger.write(json.dumps(sys.argv[1:]) + "\\n")
print("ok", " ".join(sys.argv[1:]))
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.jsonl"


@pytest.fixture
def desk(desk_container: Container, tmp_path: Path, ledger: Path) -> CaseDesk:
    """The case services with a real command executor for suspensions and blocks."""
    script = tmp_path / "ops.py"
    script.write_text(SCRIPT, encoding="utf-8")
    command = {"kind": "command", "env": {"LEDGER": str(ledger)},
               "argv": [sys.executable, str(script), "{operation}", "{action}", "{target}"]}
    settings = desk_container.settings
    return build_case_desk(
        desk_container.uow, desk_container.clock, desk_settings(settings),
        mailer=relay_mailer(settings),
        executor_for=executors_from_settings({"suspend": command, "terminate": command},
                                             desk_container.clock),
        key=b"k" * 32)


def _case(pipeline: Pipeline) -> str:
    pipeline.submit(arf_complaint("192.0.2.10"))
    pipeline.send_queued()
    return pipeline.desk.queries.list()[0].case.reference


def _ledger(path: Path) -> list[list[str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_suspension_runs_the_command_and_lifting_undoes_it(pipeline: Pipeline, desk: CaseDesk,
                                                           ledger: Path) -> None:
    reference = _case(pipeline)
    done = desk.enforcement.request(reference, Action.SUSPEND, actor="ann",
                                    reason="spam continues")
    assert done.status is ActionStatus.DONE and done.executor.startswith("command")
    assert _ledger(ledger) == [["apply", "suspend", "192.0.2.10"]]
    assert desk.queries.detail(reference).case.state is CaseState.SUSPENDED

    lifted = desk.enforcement.lift(done.id, actor="ann", reason="customer cleaned up")
    assert lifted.status is ActionStatus.LIFTED and lifted.lifted_by == "ann"
    assert _ledger(ledger)[-1] == ["lift", "suspend", "192.0.2.10"]
    assert desk.queries.detail(reference).case.state is CaseState.AWAITING_CUSTOMER
    with pytest.raises(Conflict, match="only a done action"):
        desk.enforcement.lift(done.id, actor="ann", reason="again")


def test_a_dry_run_describes_and_changes_nothing(pipeline: Pipeline, desk: CaseDesk,
                                                 ledger: Path) -> None:
    reference = _case(pipeline)
    simulated = desk.enforcement.request(reference, Action.SUSPEND, actor="ann",
                                         reason="try it", dry_run=True)
    assert simulated.status is ActionStatus.SIMULATED
    assert simulated.outcome is not None and simulated.outcome.startswith("dry run: run ")
    assert '"192.0.2.10"' in simulated.outcome
    assert _ledger(ledger) == []
    assert desk.queries.detail(reference).case.state is CaseState.NOTIFIED


def test_termination_needs_a_second_person(pipeline: Pipeline, desk: CaseDesk,
                                           ledger: Path) -> None:
    reference = _case(pipeline)
    requested = desk.enforcement.request(reference, Action.TERMINATE, actor="ann",
                                         reason="third relisting")
    assert requested.status is ActionStatus.AWAITING_APPROVAL and _ledger(ledger) == []
    with pytest.raises(Conflict, match="awaits a second"):
        desk.enforcement.execute(requested.id, actor="ann")
    with pytest.raises(Conflict, match="second person"):
        desk.enforcement.approve(requested.id, approver="ANN")
    done = desk.enforcement.approve(requested.id, approver="bob")
    assert (done.status, done.approved_by) == (ActionStatus.DONE, "bob")
    assert _ledger(ledger) == [["apply", "terminate", "192.0.2.10"]]
    detail = desk.queries.detail(reference)
    assert detail.case.state is CaseState.TERMINATED
    actors = [(e.action, e.actor) for e in detail.history if e.action.startswith("enforcement")]
    assert ("enforcement.approve", "bob") in actors and ("enforcement.request", "ann") in actors


def test_without_an_executor_the_action_is_recorded_as_done_by_hand(pipeline: Pipeline,
                                                                    desk: CaseDesk) -> None:
    reference = _case(pipeline)
    done = desk.enforcement.request(reference, Action.BLOCK_HOST, actor="ann",
                                    reason="scanning from it")
    assert (done.status, done.executor) == (ActionStatus.DONE, "manual")
    assert "by hand" in (done.outcome or "")


def test_a_warning_is_a_notice(pipeline: Pipeline, desk: CaseDesk, relay) -> None:
    reference = _case(pipeline)
    warned = desk.enforcement.request(reference, Action.WARN, actor="ann", reason="second report")
    assert warned.status is ActionStatus.DONE and warned.executor == "notice"
    pipeline.send_queued()
    assert len(relay.to("abuse-desk@harbour.example")) == 2


def test_charges_are_recorded_and_exported(pipeline: Pipeline, desk: CaseDesk) -> None:
    reference = _case(pipeline)
    desk.enforcement.add_charge(reference, kind=ChargeKind.TIME, description="investigation",
                                quantity="1.5", unit_price="120", currency="usd", actor="ann")
    desk.enforcement.add_charge(reference, kind=ChargeKind.MATERIALS,
                                description="replacement disk", quantity="1",
                                unit_price="89.90", currency="USD", actor="ann")
    rows = list(csv.DictReader(io.StringIO(desk.enforcement.charges_csv(reference=reference))))
    assert [(r["kind"], r["amount"], r["currency"]) for r in rows] == [
        ("time", "180.00", "USD"), ("materials", "89.90", "USD")]
    assert {r["case"] for r in rows} == {reference}
    assert desk.enforcement.charges_csv(since=pipeline.container.clock.now().replace(
        year=2027)).count("\n") == 1  # the header only
