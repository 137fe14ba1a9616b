"""Runs addressed by id: a reproduction changes nothing any reader sees, every run reads the same
inputs (identity links included) whoever runs it, and older workspaces move onto the seam.

Both bugs the seam was built for are reproduced here on the demo city: ``score --reproduce``
used to leave the workspace (and so the service) on the reproduced day, and the governance
sandbox used to score without the identity links that resolution made.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.engines.registry import engine_names, make_engine
from credence.errors import CredenceError
from credence.governance.diff import diff_rulesets
from credence.governance.evaluate import evaluate
from credence.governance.refs import open_sandbox
from credence.model import RESULT_TABLES
from credence.runs import results
from credence.runs.results import RunResults
from credence.runs.score import score_workspace
from credence.store import Workspace
from credence.store.results import CURRENT_KEY
from tests.conftest import CITY_DAY, ScoredCity, SparkScoredCity
from tests.test_service_support import copy_city, serve

runner = CliRunner()
LATER = date(2026, 12, 31)
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")


def _cli(*args: str) -> Any:
    found = runner.invoke(app, list(args))
    assert found.exit_code == 0, found.output
    return found


def _standing(con: duckdb.DuckDBPyConnection, run: RunResults) -> dict[str, Any]:
    """What a run says: its lines, and its subjects per (kind, grade)."""
    (lines,) = con.execute(run.sql("SELECT COUNT(*) FROM {score_lines}")).fetchone() or (0,)
    grades = con.execute(
        run.sql(
            "SELECT subject_kind, COALESCE(grade, 'not scored'), COUNT(*) FROM {scores} "
            "GROUP BY ALL ORDER BY ALL"
        )
    ).fetchall()
    return {"lines": int(lines), "grades": {(str(k), str(g)): int(n) for k, g, n in grades}}


def _schemas(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() "
        "AND schema_name LIKE 'run\\_%' ESCAPE '\\'"
    ).fetchall()
    return {str(name) for (name,) in rows}


def test_reproducing_a_run_changes_nothing_any_reader_sees(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        first = results.require_current(con)
    finally:
        con.close()
    assert first.as_of == CITY_DAY
    later = json.loads(
        _cli("score", "--as-of", LATER.isoformat(), "--format", "json", "-w", str(root)).output
    )
    con = ws.connect()
    try:
        before = results.require_current(con)
        digest, kept = before.digest(con), _schemas(con)
    finally:
        con.close()
    assert before.run_id == later["run_id"] and before.as_of == LATER

    again = _cli("score", "--reproduce", first.run_id, "-w", str(root))
    assert f"identical to run {first.run_id}" in again.output

    con = ws.connect()
    try:
        now = results.require_current(con)
        assert now.run_id == before.run_id and now.digest(con) == digest
        assert _schemas(con) == kept  # the reproduction's tables are gone again
        reproduction = [r for r in results.runs(con) if r["reproduces"] == first.run_id]
        assert len(reproduction) == 1 and not reproduction[0]["published"]
        assert reproduction[0]["results_digest"] == first.row["results_digest"]
        assert reproduction[0]["storage"] is None
        (org,) = con.execute(
            now.sql("SELECT subject_code FROM {scores} WHERE subject_kind = 'organization' "
                    "AND scored ORDER BY subject_code LIMIT 1")
        ).fetchone() or ("",)  # fmt: skip
    finally:
        con.close()
    with serve(root) as served:
        page = served.client.get(f"/organisations/{org}").json()
        assert page["as_of"] == LATER.isoformat()
        dashboard = served.client.get("/operator/dashboard", headers=served.key("operator"))
        assert dashboard.json()["run_id"] == before.run_id
    listed = json.loads(_cli("runs", "--format", "json", "-w", str(root)).output)
    states = {row["run_id"]: (row["current"], row["kept"]) for row in listed}
    assert states[before.run_id] == (True, True)
    assert states[first.run_id] == (False, True)  # the run it replaced is kept, for readers
    assert states[reproduction[0]["run_id"]] == (False, False)


def test_a_third_run_forgets_the_results_two_runs_back(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    ws = Workspace.open(root)
    runs = [score_workspace(ws, scored_city.ruleset, day) for day in (LATER, CITY_DAY)]
    con = ws.connect()
    try:
        kept = {r["run_id"] for r in results.runs(con) if r["storage"] is not None}
        assert kept == {run.run_id for run in runs}
        assert len(_schemas(con)) == 2
        with pytest.raises(CredenceError, match="no longer kept"):
            results.of_run(con, next(r["run_id"] for r in results.runs(con)
                                     if r["run_id"] not in kept))  # fmt: skip
    finally:
        con.close()


def _outcomes(con: duckdb.DuckDBPyConnection, run: RunResults, path: Path) -> Path:
    codes = [c for (c,) in con.execute(run.sql("SELECT subject_code FROM {scores} ORDER BY 1"))
             .fetchall()]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_code", "outcome"])
        writer.writerows([code, index % 3 == 0] for index, code in enumerate(codes))
    return path


def test_governance_and_scoring_count_the_same_on_a_city_with_links(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        published = results.require_current(con)
        expected = _standing(con, published)
        (linked_lines,) = con.execute(
            published.sql(
                "SELECT COUNT(*) FROM {score_lines} WHERE record_id IN "
                "(SELECT record_id FROM record_links WHERE undone_at IS NULL)"
            )
        ).fetchone() or (0,)
        outcomes = _outcomes(con, published, tmp_path / "outcomes.csv")
        ref = published.ruleset_hash[:16]
    finally:
        con.close()
    assert linked_lines > 0  # the links decide some of the lines below

    sandbox, (ruleset,), day = open_sandbox(ws, [ref], None)
    with sandbox:
        assert day == CITY_DAY
        run = sandbox.score(ruleset, day, "same")
        assert _standing(sandbox.con, run.results) == expected
        report = diff_rulesets(sandbox, ruleset, ruleset, day)
        found = evaluate(sandbox, ruleset, day, outcomes)
    assert report.unchanged
    for kind in report.kinds:
        old = {(kind.subject_kind, g.grade): g.old for g in kind.total.distribution if g.old}
        assert old == {k: n for k, n in expected["grades"].items() if k[0] == kind.subject_kind}
    evaluated = {
        (kind.subject_kind, g.grade): g.subjects
        for kind in found.kinds
        for g in kind.grades
        if g.subjects
    }
    scored = {k: n for k, n in expected["grades"].items() if k[1] != "not scored"}
    assert evaluated == scored

    diffed = json.loads(_cli("rules", "diff", ref, ref, "--format", "json", "-w", str(root)).output)
    assert diffed["unchanged"] is True
    people = next(k for k in diffed["kinds"] if k["subject_kind"] == "person")["total"]
    assert people["subjects"] == sum(n for (k, _), n in expected["grades"].items() if k == "person")


@needs_java
def test_spark_scores_a_city_with_links_as_duckdb_does(
    spark_scored_city: SparkScoredCity,
) -> None:
    city = spark_scored_city
    con = Workspace.open(city.duckdb).connect()
    try:
        duck = results.require_current(con)
        expected, digest = _standing(con, duck), duck.digest(con)
        (links,) = con.execute("SELECT COUNT(*) FROM record_links").fetchone() or (0,)
    finally:
        con.close()
    assert links > 0
    con = Workspace.open(city.spark).connect()
    try:
        run = results.require_current(con)
        assert run.run_id == city.made["run_id"] and run.row["engine"] == "spark"
        assert _standing(con, run) == expected and city.made["results_digest"] == digest
    finally:
        con.close()


def test_an_unknown_engine_names_the_choices() -> None:
    assert engine_names() == ["duckdb", "spark"]
    con = duckdb.connect()
    try:
        choices = r"unknown engine 'flink': choose one of duckdb, spark"
        with pytest.raises(CredenceError, match=choices):
            make_engine("flink", con)
    finally:
        con.close()


def test_a_workspace_from_before_runs_had_ids_moves_onto_the_seam(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        run = results.require_current(con)
        digest = run.digest(con)
        for name in RESULT_TABLES:  # the layout before: the results in main, no current run
            con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM {run.table(name)}")
        con.execute(f'DROP SCHEMA "{run.storage}" CASCADE')
        con.execute("UPDATE score_runs SET storage = NULL, published = NULL")
        con.execute("DELETE FROM meta WHERE key = ?", [CURRENT_KEY])
    finally:
        con.close()
    con = Workspace.open(root).connect()
    try:
        moved = results.require_current(con)
        assert moved.run_id == run.run_id and moved.digest(con) == digest
        left = con.execute(
            "SELECT COUNT(*) FROM duckdb_tables() WHERE schema_name = 'main' "
            f"AND table_name IN ({', '.join(repr(n) for n in RESULT_TABLES)})"
        ).fetchone()
        assert left == (0,)
    finally:
        con.close()


def _pages(root: Path, org: str) -> dict[str, Any]:
    with serve(root) as served:
        return {
            "org": served.client.get(f"/organisations/{org}").json(),
            "black": served.client.get("/lists/black", params={"per_page": 500}).json(),
        }


def test_a_run_kept_as_parquet_files_reads_as_the_catalog_run(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        catalog_run = results.require_current(con)
        expected, digest = _standing(con, catalog_run), catalog_run.digest(con)
        (org,) = con.execute(
            catalog_run.sql("SELECT subject_code FROM {listings} WHERE list_name = 'black' "
                            "AND subject_kind = 'organization' ORDER BY 1 LIMIT 1")
        ).fetchone() or ("",)  # fmt: skip
    finally:
        con.close()
    before = _pages(root, org)
    lists_before = _cli("lists", "black", "--format", "json", "-w", str(root)).output

    made = json.loads(
        _cli("score", "--as-of", CITY_DAY.isoformat(), "--results", "parquet", "--format",
             "json", "-w", str(root)).output
    )  # fmt: skip
    con = ws.connect()
    try:
        run = results.require_current(con)
        assert run.run_id == made["run_id"] and not run.in_catalog
        folder = root / "results" / f"run_{run.run_id}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(RESULT_TABLES)
        assert all(list((folder / name).glob("*.parquet")) for name in RESULT_TABLES)
        assert not (root / "results" / f"run_{run.run_id}.partial").exists()
        assert run.digest(con) == digest and made["results_digest"] == digest
        assert _standing(con, run) == expected
    finally:
        con.close()
    assert _pages(root, org) == before
    listed = _cli("lists", "black", "--format", "json", "-w", str(root)).output
    assert listed == lists_before and json.loads(listed)

    # Files are not updated in place: a one-subject rescore scores everyone into the catalog.
    _cli("score", "--as-of", CITY_DAY.isoformat(), "--subject", org, "-w", str(root))
    con = ws.connect()
    try:
        now = results.require_current(con)
        assert now.in_catalog and now.digest(con) == digest
    finally:
        con.close()
    assert folder.is_dir()  # the run it replaced is kept for readers ...
    score_workspace(ws, scored_city.ruleset, CITY_DAY)
    assert not folder.exists()  # ... and forgotten one run later
