"""The Spark plan shuffles once: records and subjects by subject, and nothing after that.

Counted from Spark's executed plans (``shuffle_report``), on a generated city with links and a
record decision, with and without Spark's size-based broadcasts; the results stay DuckDB's.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import sqlglot

from credence.actions.demo import run_demo
from credence.engines.spark_engine import (
    local_session,
    record_columns,
    shuffle_report,
    shuffles,
)
from credence.rules.compile import Plan, Step, compile_plan
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.rules.validity import valid_after
from credence.runs.score import score_workspace
from credence.store import Workspace
from credence.store.overrides import add_override
from tests.results_sql import at_run

DAY = date(2026, 6, 30)
THRESHOLD = "spark.sql.autoBroadcastJoinThreshold"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Ruleset, str]:
    """A small city, one record voided, scored on DuckDB: (workspace, ruleset, DuckDB digest)."""
    pytest.importorskip(
        "pyspark", reason="the Spark extra is not installed: pip install '.[spark]'"
    )
    root = tmp_path_factory.mktemp("shuffle") / "ws"
    run_demo(root, people=200, organizations=30, seed=21, as_of=DAY)
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        (links,) = con.execute("SELECT COUNT(*) FROM record_links").fetchone() or (0,)
        (record_id,) = con.execute(
            at_run(con, "SELECT record_id FROM listings WHERE list_name = 'black' LIMIT 1")
        ).fetchone() or ("",)
        add_override(con, record_id, "void", "appeal upheld", "test")
    finally:
        con.close()
    assert links > 0 and record_id  # the links and the decisions paths are both taken
    ruleset = load_ruleset(default_ruleset_path())
    return ws, ruleset, score_workspace(ws, ruleset, DAY).results_digest


def _is_by_subject(partitioning: str) -> bool:
    """``hashpartitioning(subject_kind#5, subject_code#6, 8)`` and nothing else."""
    head, _, rest = partitioning.partition("(")
    keys = [key.split("#")[0] for key in rest.rstrip(")").split(", ")[:-1]]
    return head == "hashpartitioning" and keys == ["subject_kind", "subject_code"]


@pytest.mark.spark
@pytest.mark.slow
@needs_java
@pytest.mark.parametrize("threshold", [None, "-1"], ids=["broadcast-by-size", "only-marked"])
def test_the_whole_run_shuffles_once_by_subject(
    city: tuple[Workspace, Ruleset, str], threshold: str | None, spark_master: str
) -> None:
    """With ``-1`` Spark broadcasts nothing by its size estimate, as at scale: still one."""
    ws, ruleset, digest = city
    session = local_session(spark_master)
    before = session.conf.get(THRESHOLD)
    session.conf.set(THRESHOLD, threshold or before)
    try:
        run = score_workspace(ws, ruleset, DAY, engine="spark", spark_master=spark_master)
    finally:
        session.conf.set(THRESHOLD, before)
    assert run.results_digest == digest
    report = shuffle_report(session, compile_plan(ruleset, DAY))
    assert [name for name, _ in report][:3] == ["cr_inputs", "cr_requirements", "cr_measures"]
    assert sum(count for _, count in report) == 1, report
    (partitioning,) = shuffles(session, "cr_inputs")
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
