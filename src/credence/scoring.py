"""Score a workspace: compile the ruleset for a day, run the plan, keep the run on record.

The result tables (scores, score_lines, rating_points, listings, subject_measures) are replaced
as a whole inside one transaction, so a reader never sees half a run.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from credence.engines.base import StepProgress
from credence.engines.duckdb_engine import DuckDBEngine
from credence.errors import NotFoundError
from credence.rules.compile import compile_plan
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Ruleset
from credence.store import Workspace
from credence.store.rows import dict_rows
from credence.store.subjects import refresh_subject_index


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


def store_ruleset(con: duckdb.DuckDBPyConnection, ruleset: Ruleset) -> str:
    """Keep the exact ruleset a run used, so its scores can be explained later."""
    digest = ruleset_hash(ruleset)
    body = json.dumps(ruleset.model_dump(mode="json", by_alias=True, exclude_none=True))
    con.execute(
        "INSERT OR IGNORE INTO rulesets VALUES (?, ?, ?, ?, ?)",
        [ruleset.ruleset, ruleset.version, digest, body, datetime.now(UTC)],
    )
    return digest


def load_stored_ruleset(con: duckdb.DuckDBPyConnection, digest: str) -> Ruleset:
    row = con.execute("SELECT body FROM rulesets WHERE ruleset_hash = ?", [digest]).fetchone()
    if row is None:
        raise NotFoundError(f"no stored ruleset with hash {digest}")
    return Ruleset.model_validate(json.loads(row[0]))


def score_workspace(
    ws: Workspace,
    ruleset: Ruleset,
    as_of: date,
    progress: StepProgress | None = None,
    memory_limit: str = "6GB",
) -> ScoreRun:
    """Score every subject of the workspace on ``as_of`` under ``ruleset``."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    con = ws.connect(memory_limit=memory_limit)
    try:
        refresh_subject_index(ws, con)
        digest = store_ruleset(con, ruleset)
        DuckDBEngine(con).run_plan(compile_plan(ruleset, as_of), progress)
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
            "INSERT INTO score_runs VALUES (?, ?, ?, ?, ?, 'duckdb', ?, ?, ?, ?)",
            [
                run.run_id,
                as_of,
                run.ruleset,
                run.version,
                digest,
                started_at,
                datetime.now(UTC),
                run.subjects,
                run.lines,
            ],
        )
        return run
    finally:
        con.close()


def latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """The most recent scoring run, or None before the first."""
    rows = dict_rows(con.execute("SELECT * FROM score_runs ORDER BY finished_at DESC LIMIT 1"))
    return rows[0] if rows else None
