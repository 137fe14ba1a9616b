"""DuckDB and Spark give identical scores, lines, grades, lists and measures on the same city."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from credence.actions.demo import run_demo
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs import results
from credence.runs.score import score_workspace
from credence.sql import dict_rows
from credence.store import Workspace
from credence.store.overrides import add_override
from tests.results_sql import at_run

pytest.importorskip("pyspark", reason="the Spark extra is not installed: pip install '.[spark]'")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY = date(2026, 6, 30)
TABLES = {
    "scores": "subject_kind, subject_code, scored, score::BIGINT AS score, grade, note",
    "score_lines": "subject_code, requirement_id, record_id, occurrence::BIGINT AS occurrence, "
    "counted, points_applied::BIGINT AS points_applied, expires_on",
    "rating_points": "subject_code, rating_id, points::BIGINT AS points, lines::BIGINT AS lines",
    "listings": "list_name, subject_code, record_id, state, proposed_on, published_on, expires_on",
    "subject_measures": "subject_code, measure_id, via, effect",
}


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


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")
def test_duckdb_and_spark_agree_on_a_generated_city(tmp_path: Path, spark_master: str) -> None:
    """On a standalone cluster (``credence cluster``), as a national operator runs it."""
    root = tmp_path / "ws"
    run_demo(root, people=500, organizations=60, seed=21, as_of=DAY)
    ws = Workspace.open(root)
    ruleset = load_ruleset(default_ruleset_path())
    con = ws.connect()
    try:  # a decision on a record, so the overrides path is compared too
        (record_id,) = con.execute(
            at_run(con, "SELECT record_id FROM listings WHERE list_name = 'black' LIMIT 1")
        ).fetchone() or ("",)
        add_override(con, record_id, "void", "appeal upheld", "test")
    finally:
        con.close()
    on_duckdb = score_workspace(ws, ruleset, DAY)
    expected = _snapshot(ws)
    on_spark = score_workspace(ws, ruleset, DAY, engine="spark", spark_master=spark_master)
    assert on_spark.results_digest == on_duckdb.results_digest
    got = _snapshot(ws)
    for name in TABLES:
        assert got[name] == expected[name], name
    assert len(expected["score_lines"]) > 100 and any(
        r[3] == "revoked" for r in expected["listings"]
    )
