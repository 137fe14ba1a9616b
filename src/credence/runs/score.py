"""Score a workspace: compile the ruleset for a day, run the plan, keep the run on record.

A run's results are written under its own id through the results seam (``runs/results.py``)
and made current by the same commit that records the run, so a reader sees the old run or the
new one, never half of either. A reproduction is an unpublished run: it recomputes a past run
under its own id, compares digests, and changes nothing any reader sees.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime

import duckdb

from credence.engines.base import StepProgress
from credence.engines.registry import READS_FILES, EngineOptions, default_store, make_engine
from credence.rules.compile import compile_plan
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.results import ScoreRun
from credence.sql import transaction
from credence.store import Workspace
from credence.store.results import sweep_files
from credence.store.rulesets import store_ruleset, stored_ruleset
from credence.store.subjects import refresh_subject_index

__all__ = ["ScoreRun", "discard_run", "latest_run", "reproduce_run", "score_workspace"]


def score_workspace(
    ws: Workspace,
    ruleset: Ruleset,
    as_of: date,
    progress: StepProgress | None = None,
    memory_limit: str = "6GB",
    known_at: datetime | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[*]",
    publish: bool = True,
    reproduces: str | None = None,
    store: str | None = None,
    spark_driver_memory: str = "4g",
) -> ScoreRun:
    """Score every subject of the workspace on ``as_of`` under ``ruleset``.

    With ``known_at``, only what was committed by then counts: the run sees the workspace as it
    was known at that moment, which is how a past run is reproduced exactly. ``engine`` names an
    engine of the registry (``duckdb``, embedded, the default; ``spark``: the same plan, results
    brought back into the catalog). An unpublished run (``publish=False``) is kept aside under
    its id and never becomes current. ``store`` is where the results are kept: ``catalog``
    (DuckDB's default, updated in place by incremental rescoring) or ``parquet`` (datasets
    beside it: Spark's default, written by its executors).
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    con = ws.connect(memory_limit=memory_limit)
    runner = None
    try:
        refresh_subject_index(ws, con)
        inputs = ws.inputs(con, known_at, as_files=engine in READS_FILES)
        options = EngineOptions(spark_master, spark_driver_memory, ws.temp_dir)
        runner = make_engine(engine, con, options)
        plan = compile_plan(ruleset, as_of)
        run_id = results.new_run_id()
        with transaction(con):
            digest = store_ruleset(con, ruleset)
            sink = results.begin(con, run_id, store or default_store(engine))
            runner.run(plan, inputs, sink, progress)
            sink.seal()
            written = results.of_storage(con, run_id, sink.storage)
            subjects, scored, lines = results.counts(con, written)
            run = ScoreRun(
                run_id=run_id,
                as_of=as_of,
                ruleset=ruleset.ruleset,
                version=ruleset.version,
                ruleset_hash=digest,
                subjects=subjects,
                scored=scored,
                lines=lines,
                seconds=time.perf_counter() - started,
                results_digest=written.digest(con),
            )
            results.finish(
                con, run, engine, started_at, known_at, publish, sink.storage, reproduces
            )
        sweep_files(con)  # result files no run keeps any more (the run before the one replaced)
        return replace(run, seconds=time.perf_counter() - started)
    finally:
        if runner is not None:
            runner.close()
        con.close()


def latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """The current run's row in ``score_runs``, or None before the first published run."""
    found = results.current(con)
    return dict(found.row) if found is not None else None


def reproduce_run(
    ws: Workspace,
    run_id: str,
    engine: str = "duckdb",
    keep: bool = False,
    spark_master: str = "local[*]",
) -> tuple[dict[str, object], ScoreRun]:
    """Rescore exactly as a past run did (its day, ruleset and knowledge) under a new id, without
    publishing; return the original's row and the reproduction. The reproduction's tables are
    discarded once its digest is taken (with ``keep``, when the caller has read them: see
    ``discard_run``); either way nothing a reader sees changes."""
    con = ws.connect()
    try:
        original = results.run_row(con, run_id)
        ruleset = stored_ruleset(con, str(original["ruleset_hash"]))
    finally:
        con.close()
    as_of = original["as_of"]
    known_at = original["known_at"]
    assert isinstance(as_of, date) and isinstance(known_at, datetime)
    again = score_workspace(
        ws, ruleset, as_of, known_at=known_at, engine=engine, publish=False, reproduces=run_id,
        spark_master=spark_master,
    )
    if not keep:
        discard_run(ws, again.run_id)
    return original, again


def discard_run(ws: Workspace, run_id: str) -> None:
    """Forget an unpublished run's tables (its row stays, as the record that it ran)."""
    con = ws.connect()
    try:
        with transaction(con):
            results.discard(con, results.of_run(con, run_id))
        sweep_files(con)
    finally:
        con.close()
