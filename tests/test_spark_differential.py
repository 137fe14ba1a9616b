"""DuckDB and Spark give identical scores, lines, grades, lists and measures on the same city."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from credence.runs import results
from credence.sql import dict_rows
from credence.store import Workspace
from tests.conftest import SparkScoredCity

pytest.importorskip("pyspark", reason="the Spark extra is not installed: pip install '.[spark]'")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

TABLES = {
    "scores": "subject_kind, subject_code, scored, score::BIGINT AS score, grade, note",
    "score_lines": "subject_code, requirement_id, record_id, occurrence::BIGINT AS occurrence, "
    "counted, points_applied::BIGINT AS points_applied, expires_on",
    "rating_points": "subject_code, rating_id, points::BIGINT AS points, lines::BIGINT AS lines",
    "listings": "list_name, subject_code, record_id, state, proposed_on, published_on, expires_on",
    "subject_measures": "subject_code, measure_id, via, effect",
}


def _snapshot(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = Workspace.open(root).connect()
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


def test_duckdb_and_spark_agree_on_a_generated_city(spark_scored_city: SparkScoredCity) -> None:
    """On a standalone cluster (``credence cluster``), as a national operator runs it, with a
    record voided by a decision, so the overrides path is compared too."""
    city = spark_scored_city
    assert city.made["results_digest"] == city.duckdb_digest
    expected, got = _snapshot(city.duckdb), _snapshot(city.spark)
    for name in TABLES:
        assert got[name] == expected[name], name
    assert len(expected["score_lines"]) > 100 and any(
        r[3] == "revoked" for r in expected["listings"]
    )
