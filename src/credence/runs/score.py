"""Score a workspace: compile the ruleset for a day, run the plan, keep the run on record.

The result tables (scores, score_lines, rating_points, listings, subject_measures) are replaced
as a whole inside one transaction, so a reader never sees half a run.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import duckdb

from credence.engines.base import StepProgress
from credence.engines.duckdb_engine import DuckDBEngine
from credence.errors import CredenceError, NotFoundError
from credence.rules.compile import RESULT_TABLES, Plan, compile_plan
from credence.rules.spec import Ruleset
from credence.sql import dict_rows
from credence.store import Workspace
from credence.store.overrides import limit_overrides_to
from credence.store.rulesets import store_ruleset, stored_ruleset
from credence.store.subjects import SUBJECTS_FROM_RECORDS, refresh_subject_index


@dataclass(frozen=True)
class ScoreRun:
    """What a scoring run did, for the CLI and the benchmark."""

    run_id: str
    as_of: date
    ruleset: str
    version: str
    ruleset_hash: str
    subjects: int
    scored: int
    lines: int
    seconds: float
    results_digest: str = ""


# An order-free fingerprint of a run's results: equal results give equal digests. Each table
# contributes its row count and the XOR of its rows' hashes, so a change to a few subjects can be
# folded in without reading the rest (incremental.py).
DIGEST_PARTS = (
    ("scores", "hash(subject_kind, subject_code, score::BIGINT, grade)"),
    ("score_lines", "hash(record_id, points_applied::BIGINT)"),
    ("listings", "hash(list_name, subject_code, record_id, state)"),
)
DIGEST_SQL = "SELECT " + " || '/' || ".join(
    f"(SELECT COUNT(*) || ':' || COALESCE(bit_xor({row_hash}), 0) FROM {table})"
    for table, row_hash in DIGEST_PARTS
)


def score_workspace(
    ws: Workspace,
    ruleset: Ruleset,
    as_of: date,
    progress: StepProgress | None = None,
    memory_limit: str = "6GB",
    known_at: datetime | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[*]",
) -> ScoreRun:
    """Score every subject of the workspace on ``as_of`` under ``ruleset``.

    With ``known_at``, only the batches committed by then count: the run sees the workspace as
    it was known at that moment, which is how a past run is reproduced exactly. ``engine`` is
    ``duckdb`` (embedded, the default) or ``spark`` (the same plan; results come back into the
    catalog).
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    con = ws.connect(memory_limit=memory_limit)
    try:
        refresh_subject_index(ws, con)
        if known_at is not None:
            ws.refresh_records_view(con, known_at)
            con.execute(f"CREATE OR REPLACE TEMP VIEW subjects AS {SUBJECTS_FROM_RECORDS}")
            limit_overrides_to(con, known_at)
        digest = store_ruleset(con, ruleset)
        plan = compile_plan(ruleset, as_of)
        if engine == "duckdb":
            DuckDBEngine(con).run_plan(plan, progress)
        elif engine == "spark":
            _run_on_spark(ws, con, plan, known_at, spark_master, progress)
        else:
            raise CredenceError(f"unknown engine {engine!r}: choose duckdb or spark")
        (results,) = con.execute(DIGEST_SQL).fetchone() or ("",)
        subjects, scored = con.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE scored) FROM scores"
        ).fetchone() or (0, 0)
        (lines,) = con.execute("SELECT COUNT(*) FROM score_lines").fetchone() or (0,)
        run = ScoreRun(
            run_id=uuid.uuid4().hex[:12],
            as_of=as_of,
            ruleset=ruleset.ruleset,
            version=ruleset.version,
            ruleset_hash=digest,
            subjects=int(subjects),
            scored=int(scored),
            lines=int(lines),
            seconds=time.perf_counter() - started,
        )
        con.execute(
            "INSERT INTO score_runs (run_id, as_of, ruleset, version, ruleset_hash, engine, "
            "started_at, finished_at, subjects, lines, known_at, results_digest, scored) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, as_of, run.ruleset, run.version, digest, engine, started_at,
             datetime.now(UTC), run.subjects, run.lines, known_at or started_at, results,
             run.scored],
        )  # fmt: skip
        return replace(run, results_digest=str(results))
    finally:
        con.close()


def _run_on_spark(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    known_at: datetime | None,
    master: str,
    progress: StepProgress | None,
) -> None:
    """Hand the inputs to Spark, run the same plan there, and bring the results back."""
    from credence.engines.spark_engine import SparkEngine, local_session

    spark = SparkEngine(local_session(master))
    stamp = f"TIMESTAMPTZ '{known_at.isoformat()}'" if known_at else "now()"
    links = con.sql(
        f"SELECT * REPLACE (NULL::TIMESTAMPTZ AS undone_at) FROM record_links "
        f"WHERE decided_at <= {stamp} AND (undone_at IS NULL OR undone_at > {stamp})"
    ).to_arrow_table()
    spark.register_records(ws.record_files(con, known_at), links)
    for name in ("subjects", "record_overrides"):  # the temp views when known_at is set
        spark.register_table(name, con.sql(f"SELECT * FROM {name}").to_arrow_table())
    spark.run_plan(plan, progress)
    con.execute("BEGIN TRANSACTION")
    try:
        for name in RESULT_TABLES:
            con.register("spark_result", spark.to_arrow(name))
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM spark_result")
            con.unregister("spark_result")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """The most recent scoring run, or None before the first."""
    rows = dict_rows(con.execute("SELECT * FROM score_runs ORDER BY finished_at DESC LIMIT 1"))
    return rows[0] if rows else None


def run_by_id(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, object]:
    rows = dict_rows(con.execute("SELECT * FROM score_runs WHERE run_id = ?", [run_id]))
    if not rows:
        raise NotFoundError(f"no scoring run {run_id!r}: see `credence runs`")
    return rows[0]


def reproduce_run(ws: Workspace, run_id: str) -> tuple[dict[str, object], ScoreRun]:
    """Rescore exactly as a past run did (its day, ruleset and knowledge); return both."""
    con = ws.connect()
    try:
        original = run_by_id(con, run_id)
        ruleset = stored_ruleset(con, str(original["ruleset_hash"]))
    finally:
        con.close()
    as_of = original["as_of"]
    known_at = original["known_at"]
    assert isinstance(as_of, date) and isinstance(known_at, datetime)
    return original, score_workspace(ws, ruleset, as_of, known_at=known_at)
