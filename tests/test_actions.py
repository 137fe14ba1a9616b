"""An act is written once: the same decision taken through the command line and through the API,
on two copies of the same workspace, leaves the same audit entry and the same results."""

from __future__ import annotations

import ast
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

import credence
from credence.actions.repairs import decide_repair
from credence.cli.app import app
from credence.cli.common import acting, operator
from credence.store import Workspace
from tests.conftest import CITY_DAY, ScoredCity
from tests.results_sql import at_run
from tests.test_service_support import copy_city, negative_line, serve

runner = CliRunner()
REASON = "the court quashed the penalty"


def _twins(base: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of ``base``: one for the command line, one for the API."""
    cli, api = tmp_path / "cli", tmp_path / "api"
    shutil.copytree(base, cli)
    shutil.copytree(base, api)
    return cli, api


def _filed_appeal(city: ScoredCity, tmp_path: Path) -> tuple[Path, str, str, str]:
    """A copy of the city with one open appeal: (root, appeal id, organisation, record id)."""
    base = copy_city(city, tmp_path / "base")
    with serve(base) as served:
        org, record = negative_line(served, "organization")
        filed = served.client.post(
            "/me/appeals", headers=served.key("subject", org),
            json={"record_id": record, "reason": "the fine was annulled"},
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
    return base, str(filed.json()["appeal_id"]), org, record


def _outcome(root: Path, action: str, code: str, record: str) -> dict[str, Any]:
    """What a decision left: its audit entry (not who, when or the hashes), the subject's
    standing, the runs and the record's decisions."""
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        entries = con.execute(
            "SELECT action, role, purpose, subject_kind, subject_code, detail FROM audit_log "
            "WHERE action = ? ORDER BY seq",
            [action],
        ).fetchall()
        standing = con.execute(
            at_run(con, "SELECT score, grade FROM scores WHERE subject_code = ?"), [code]
        ).fetchone()
        runs = con.execute(
            "SELECT engine, as_of, results_digest FROM score_runs ORDER BY finished_at"
        ).fetchall()
        overrides = con.execute(
            "SELECT action, effective_on FROM record_overrides WHERE record_id = ? ORDER BY 1",
            [record],
        ).fetchall()
    finally:
        con.close()
    return {"entries": entries, "standing": standing, "runs": runs, "overrides": overrides}


@pytest.mark.parametrize("uphold", [True, False])
def test_an_appeal_decided_from_the_cli_and_the_api_is_the_same_act(
    scored_city: ScoredCity, tmp_path: Path, uphold: bool
) -> None:
    base, appeal_id, org, record = _filed_appeal(scored_city, tmp_path)
    cli_root, api_root = _twins(base, tmp_path)
    before = _outcome(base, "appeal.decided", org, record)
    flag = "--uphold" if uphold else "--reject"
    decided = runner.invoke(
        app, ["appeals", "decide", appeal_id, flag, "--reason", REASON, "-w", str(cli_root),
              "--today", str(CITY_DAY)],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    with serve(api_root) as served:
        answer = served.client.post(
            f"/operator/appeals/{appeal_id}/decision", headers=served.key("operator"),
            json={"decision": "uphold" if uphold else "reject", "reason": REASON},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
    by_cli = _outcome(cli_root, "appeal.decided", org, record)
    by_api = _outcome(api_root, "appeal.decided", org, record)
    assert by_cli == by_api
    state = "upheld" if uphold else "rejected"
    detail = f'{{"appeal_id":"{appeal_id}","decision":"{state}","record_id":"{record}"}}'
    assert by_cli["entries"] == [
        ("appeal.decided", "operator", "operations", "organization", org, detail)
    ]
    if uphold:  # one run more, of the subject alone, with other results than before
        assert by_cli["runs"][:-1] == before["runs"]
        engine, as_of, digest = by_cli["runs"][-1]
        assert (engine, as_of) == ("incremental", CITY_DAY)
        assert digest != before["runs"][-1][2]
        assert by_cli["standing"][0] > before["standing"][0]
        assert by_cli["overrides"] == [("void", None)]
    else:
        assert by_cli["runs"] == before["runs"] and by_cli["standing"] == before["standing"]
        assert by_cli["overrides"] == []


def test_overdue_appeals_settled_from_the_cli_and_the_api_are_the_same_act(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    base, appeal_id, org, record = _filed_appeal(scored_city, tmp_path)
    cli_root, api_root = _twins(base, tmp_path)
    late = CITY_DAY + timedelta(days=25)
    settled = runner.invoke(app, ["appeals", "settle", "-w", str(cli_root), "--today", str(late)])
    assert settled.exit_code == 0 and "1 overdue appeal(s) upheld" in settled.output
    with serve(api_root) as served:
        served.clock.day = late
        answer = served.client.post("/operator/appeals/settle", headers=served.key("operator"))
        assert answer.status_code == 200, answer.text
        assert [a["appeal_id"] for a in answer.json()["upheld"]] == [appeal_id]
    by_cli = _outcome(cli_root, "appeal.decided", org, record)
    by_api = _outcome(api_root, "appeal.decided", org, record)
    assert by_cli == by_api
    detail = (
        f'{{"appeal_id":"{appeal_id}","decision":"upheld","overdue":true,"record_id":"{record}"}}'
    )
    assert by_cli["entries"] == [
        ("appeal.decided", "operator", "operations", "organization", org, detail)
    ]
    assert by_cli["runs"][-1][1] == late  # a new day: everyone is rescored on it


def test_a_repair_decided_in_the_cli_scope_and_through_the_api_is_the_same_act(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    base = copy_city(scored_city, tmp_path / "base")
    with serve(base) as served:
        person, record = negative_line(
            served, "person",
            f"(l.severity = 'minor' OR (l.severity = 'general' "
            f"AND l.occurred_at < DATE '{CITY_DAY - timedelta(days=120)}'))",
        )  # fmt: skip
        filed = served.client.post(
            "/me/repairs", headers=served.key("subject", person),
            json={"record_id": record, "evidence": "paid in full, receipt no. 88"},
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
    repair_id = str(filed.json()["repair_id"])
    cli_root, api_root = _twins(base, tmp_path)
    before = _outcome(base, "repair.decided", person, record)
    with acting(Workspace.open(cli_root), CITY_DAY) as scope:
        decided = decide_repair(scope, operator(), repair_id, True, "receipt checked")
    assert decided.repair.state == "approved" and decided.run is not None
    with serve(api_root) as served:
        answer = served.client.post(
            f"/operator/repairs/{repair_id}/decision", headers=served.key("operator"),
            json={"decision": "approve", "reason": "receipt checked"},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
    by_cli = _outcome(cli_root, "repair.decided", person, record)
    by_api = _outcome(api_root, "repair.decided", person, record)
    assert by_cli == by_api
    detail = f'{{"decision":"approved","record_id":"{record}","repair_id":"{repair_id}"}}'
    assert by_cli["entries"] == [
        ("repair.decided", "operator", "operations", "person", person, detail)
    ]
    assert by_cli["runs"][-1][:2] == ("incremental", CITY_DAY)
    assert by_cli["runs"][-1][2] != before["runs"][-1][2]
    assert by_cli["overrides"] == [("repair", CITY_DAY)]
    assert by_cli["standing"][0] > before["standing"][0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return found | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


def test_actions_sit_between_the_callers_and_the_library() -> None:
    package = Path(credence.__file__).parent
    callers = ("cli", "web", "service", "actions")
    for path in package.rglob("*.py"):
        layer = path.relative_to(package).parts[0]
        imported = _imports(path)
        if layer == "actions":
            above = {m for m in imported if m.startswith(("credence.cli", "credence.web",
                                                          "credence.service"))}  # fmt: skip
            assert not above, f"{path} imports {above}"
        elif layer not in callers:
            assert not {m for m in imported if m.startswith("credence.actions")}, path
    cli = package / "cli"
    assert "credence.cli.service_cmd" not in _imports(cli / "rights_cmd.py")
