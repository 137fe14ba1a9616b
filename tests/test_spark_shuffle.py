"""The Spark plan shuffles once: records and subjects by subject, and nothing after that.

Counted from Spark's executed plans (``shuffle_report``), on a generated city with links and a
record decision, with and without Spark's size-based broadcasts; the results stay DuckDB's.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from credence.engines.spark_engine import (
    local_session,
    record_columns,
    shuffle_report,
    shuffles,
)
from credence.rules.compile import Plan, Step, compile_plan
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.validity import valid_after
from credence.runs.score import score_workspace
from credence.store import Workspace
from tests.conftest import SparkScoredCity

DAY = date(2026, 6, 30)
THRESHOLD = "spark.sql.autoBroadcastJoinThreshold"


def _is_by_subject(partitioning: str) -> bool:
    """``hashpartitioning(subject_kind#5, subject_code#6, 8)`` and nothing else."""
    head, _, rest = partitioning.partition("(")
    keys = [key.split("#")[0] for key in rest.rstrip(")").split(", ")[:-1]]
    return head == "hashpartitioning" and keys == ["subject_kind", "subject_code"]


@pytest.mark.spark
@pytest.mark.slow
def test_the_whole_run_shuffles_once_by_subject(spark_scored_city: SparkScoredCity) -> None:
    """The shared Spark run of the city (links and a record decision, Spark's size-based
    broadcasts on): one exchange, by subject."""
    _shuffles_once(spark_scored_city.shuffles, spark_scored_city.inputs_exchange)


@pytest.mark.spark
@pytest.mark.slow
def test_with_no_broadcast_by_size_the_run_still_shuffles_once(
    spark_scored_city: SparkScoredCity, spark_master: str, tmp_path: Path
) -> None:
    """With ``-1`` Spark broadcasts nothing by its size estimate, as at scale: still one."""
    city = spark_scored_city
    root = tmp_path / "ws"
    shutil.copytree(city.duckdb, root)
    session = local_session(spark_master)
    before = session.conf.get(THRESHOLD)
    session.conf.set(THRESHOLD, "-1")
    try:
        run = score_workspace(Workspace.open(root), city.ruleset, city.as_of, engine="spark",
                              spark_master=spark_master)  # fmt: skip
    finally:
        session.conf.set(THRESHOLD, before)
    assert run.results_digest == city.duckdb_digest
    plan = compile_plan(city.ruleset, city.as_of)
    _shuffles_once(shuffle_report(session, plan), shuffles(session, "cr_inputs"))


def _shuffles_once(report: list[tuple[str, int]], inputs_exchange: list[str]) -> None:
    assert [name for name, _ in report][:3] == ["cr_inputs", "cr_requirements", "cr_measures"]
    assert sum(count for _, count in report) == 1, report
    (partitioning,) = inputs_exchange
    assert _is_by_subject(partitioning), partitioning


def test_only_the_record_columns_the_plan_names_are_exchanged() -> None:
    plan = compile_plan(load_ruleset(default_ruleset_path()), DAY)
    columns = record_columns(plan)
    assert {"record_id", "subject_kind", "subject_code", "kind", "occurred_at"} <= set(columns)
    assert {"amount", "attributes", "level", "source"} <= set(columns)
    assert not {"hints", "batch_id", "row_number", "ingested_at", "consent_ref"} & set(columns)
    star = Step(
        "s", sqlglot.parse_one("SELECT r.* FROM x JOIN records AS r ON TRUE", "spark"), True
    )
    assert "hints" in record_columns(Plan("r", "1", DAY, (*plan.steps, star)))


def test_records_no_step_can_read_are_not_exchanged() -> None:
    """Per kind, the last day whose records no step reads: none for consent and black-list
    kinds (their whole history counts), otherwise the earliest a requirement still counts."""
    ruleset = load_ruleset(default_ruleset_path())
    since = dict(compile_plan(ruleset, DAY).record_since)
    assert since["consent.granted"] is None and since["consent.withdrawn"] is None
    black = {k for _, r in ruleset.requirements() if "black" in r.lists
             for k in r.when.kind.exact() or ()}  # fmt: skip
    assert black and all(since[k] is None for k in black)
    dated = {k: d for k, d in since.items() if d is not None}
    assert dated and all(d < DAY for d in dated.values())
    for _, req in ruleset.requirements():
        for kind in req.when.kind.exact() or ():
            after = valid_after(req, DAY)
            if since[kind] is not None and after is not None and req.points > 0:
                assert since[kind] <= after
