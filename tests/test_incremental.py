"""Rescoring only the touched subjects gives exactly what a full rescore gives."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from credence.actions.demo import run_demo
from credence.cli.app import app
from credence.identifiers import generate_ric
from credence.ingest import ingest_file, load_mapping
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.incremental import rescore_subjects
from credence.runs.score import score_workspace
from credence.sql import dict_rows
from credence.store import Workspace
from tests.results_sql import at_run

DAY = date(2026, 6, 30)
TABLES = {
    "scores": "subject_kind, subject_code, scored, score::BIGINT, grade, note",
    "score_lines": "subject_code, requirement_id, record_id, occurrence::BIGINT, counted, "
    "points_applied::BIGINT, expires_on, legal_basis",
    "rating_points": "subject_code, rating_id, points::BIGINT, lines::BIGINT, "
    "counted_lines::BIGINT",
    "listings": "list_name, subject_code, record_id, state, proposed_on, published_on, expires_on",
    "subject_measures": "subject_code, measure_id, via, effect, legal_basis",
}
MAPPING = """
source: late-court
level: city
stream: judicial
category: court_judgment
consent_required: false
subject_kind: {column: kind, values: {ORG: organization, PER: person}}
fields:
  record_key: case
  subject_code: code
  kind: {column: event, values: {UNF: court.judgment.unfulfilled, FINE: court.judgment.civil}}
  occurred_at: day
  amount: amount
attributes: {fulfilled: fulfilled}
kinds: [court.judgment.unfulfilled, court.judgment.civil]
"""


def _scored_demo(
    tmp_path: Path, people: int, organizations: int, seed: int
) -> tuple[Workspace, Ruleset]:
    """A generated city, scored in full on DAY under the default ruleset."""
    root = tmp_path / "ws"
    run_demo(root, people=people, organizations=organizations, seed=seed, as_of=DAY)
    ws = Workspace.open(root)
    ruleset = load_ruleset(default_ruleset_path())
    score_workspace(ws, ruleset, DAY)
    return ws, ruleset


def _snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    con = ws.connect()
    try:
        run = results.require_current(con)
        return {
            name: sorted(
                tuple(row.values())
                for row in dict_rows(con.execute(f"SELECT {cols} FROM {run.table(name)}"))
            )
            for name, cols in TABLES.items()
        }
    finally:
        con.close()


def test_incremental_rescore_equals_a_full_rescore(tmp_path: Path) -> None:
    ws, ruleset = _scored_demo(tmp_path, people=400, organizations=50, seed=13)
    con = ws.connect()
    try:
        firms = [c for (c,) in con.execute(
            at_run(con, "SELECT subject_code FROM scores WHERE subject_kind = 'organization' "
            "ORDER BY subject_code LIMIT 2")).fetchall()]  # fmt: skip
    finally:
        con.close()
    newcomer = generate_ric(random.Random(99))  # a person no source knew before: no consent
    rows = [
        f"C1,ORG,{firms[0]},UNF,2026-06-01,5000,false",
        f"C2,ORG,{firms[1]},FINE,2026-05-01,800,true",
        f"C3,ORG,{firms[1]},UNF,2026-06-25,90000,false",
        f"C4,PER,{newcomer},UNF,2026-04-01,1000,false",
    ]
    data = tmp_path / "late-court.csv"
    data.write_text("case,kind,code,event,day,amount,fulfilled\n" + "\n".join(rows) + "\n")
    (tmp_path / "late-court.yaml").write_text(MAPPING, encoding="utf-8")
    report = ingest_file(ws, data, load_mapping(tmp_path / "late-court.yaml"))
    assert report.loaded == 4, report.quarantined_by_reason
    touched = [("organization", firms[0]), ("organization", firms[1]), ("person", newcomer)]
    run = rescore_subjects(ws, ruleset, DAY, touched)
    incremental = _snapshot(ws)
    full = score_workspace(ws, ruleset, DAY)
    assert _snapshot(ws) == incremental
    assert run.results_digest == full.results_digest
    newcomer_rows = [r for r in incremental["listings"] if r[1] == newcomer]
    assert [r[3] for r in newcomer_rows] == ["published"]  # listed from a judgment, unscored
    assert json.loads(incremental["subject_measures"][0][3]) is not None


def test_ingest_with_rescore_updates_only_the_named_subjects(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    run_demo(root, people=300, organizations=40, seed=17, as_of=DAY)
    ws = Workspace.open(root)
    ruleset = load_ruleset(default_ruleset_path())
    con = ws.connect()
    try:
        (firm,) = con.execute(
            at_run(
                con,
                "SELECT subject_code FROM scores WHERE subject_kind = 'organization' AND scored "
                "ORDER BY subject_code LIMIT 1",
            )
        ).fetchone() or ("",)
        before = con.execute(
            at_run(con, "SELECT score FROM scores WHERE subject_code = ?"), [firm]
        ).fetchone()
        runs_before = con.execute("SELECT COUNT(*) FROM score_runs").fetchone()
    finally:
        con.close()
    data = tmp_path / "late-court.csv"
    data.write_text(
        f"case,kind,code,event,day,amount,fulfilled\nZ1,ORG,{firm},UNF,2026-06-01,5000,false\n",
        encoding="utf-8",
    )
    (tmp_path / "late-court.yaml").write_text(MAPPING, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["ingest", str(data), "--source", "late-court", "--workspace", str(root), "--rescore",
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["loaded"] == 1 and answer["rescored_subjects"] == 1 and answer["rescored_run"]
    con = ws.connect()
    try:
        after = con.execute(
            at_run(con, "SELECT score FROM scores WHERE subject_code = ?"), [firm]
        ).fetchone()
        engine, digest = con.execute(
            "SELECT engine, results_digest FROM score_runs WHERE run_id = ?",
            [answer["rescored_run"]],
        ).fetchone() or ("", "")
        runs_after = con.execute("SELECT COUNT(*) FROM score_runs").fetchone()
    finally:
        con.close()
    assert after is not None and before is not None and after[0] < before[0]
    assert engine == "incremental" and runs_after == (runs_before[0] + 1,)  # type: ignore[index]
    assert digest == score_workspace(ws, ruleset, DAY).results_digest


def test_one_subject_rescored_leaves_another_kind_with_the_same_code_alone(
    tmp_path: Path,
) -> None:
    """Rescoring one subject deletes its own rows only, even where a subject of the other kind
    carries the same code (the rows are then found by their row ids, not by the code)."""
    ws, ruleset = _scored_demo(tmp_path, people=120, organizations=20, seed=17)
    con = ws.connect()
    try:
        (firm,) = con.execute(
            at_run(
                con,
                "SELECT subject_code FROM score_lines WHERE subject_kind = 'organization' "
                "ORDER BY subject_code LIMIT 1",
            )
        ).fetchone() or ("",)
        run = results.require_current(con)
        tables = {name: run.table(name) for name in ("scores", "score_lines")}
        for table in tables.values():  # a person's rows under the firm's code
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * REPLACE ('person' AS subject_kind) "
                f"FROM {table} WHERE subject_code = ? AND subject_kind = 'organization'",
                [firm],
            )
        planted = {
            name: con.execute(
                f"SELECT * FROM {table} WHERE subject_code = ? AND subject_kind = 'person' "
                "ORDER BY ALL",
                [firm],
            ).fetchall()
            for name, table in tables.items()
        }
        before = con.execute(
            at_run(
                con,
                "SELECT * FROM score_lines WHERE subject_code = ? "
                "AND subject_kind = 'organization' ORDER BY ALL",
            ),
            [firm],
        ).fetchall()
    finally:
        con.close()
    assert planted["scores"] and planted["score_lines"]
    rescore_subjects(ws, ruleset, DAY, [("organization", firm)])
    con = ws.connect()
    try:
        for name, rows in planted.items():
            assert con.execute(
                f"SELECT * FROM {tables[name]} WHERE subject_code = ? AND subject_kind = 'person' "
                "ORDER BY ALL",
                [firm],
            ).fetchall() == rows
        assert con.execute(
            at_run(
                con,
                "SELECT * FROM score_lines WHERE subject_code = ? "
                "AND subject_kind = 'organization' ORDER BY ALL",
            ),
            [firm],
        ).fetchall() == before
    finally:
        con.close()
