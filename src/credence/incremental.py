"""Rescore only the subjects new records touched, and leave everyone else's rows as they are.

A subject's score, lines, listings and measures depend on its own records alone (no rule can
reach another subject), so the per-subject explainer, which a property test holds equal to the
SQL plan, recomputes exactly the rows a full rescore would write for that subject. This module
swaps those rows in, in one transaction, on top of the last run of the same ruleset and day; a
test compares the result with a full rescore.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from credence.rules.explain import Explanation, explain
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Ruleset
from credence.scoring import DIGEST_SQL, ScoreRun, latest_run, score_workspace
from credence.store import Workspace
from credence.store.overrides import overrides_for
from credence.store.rows import dict_rows
from credence.store.subjects import refresh_subject_index

Subject = tuple[str, str]  # (subject_kind, subject_code)

_TABLES = ("scores", "score_lines", "rating_points", "listings", "subject_measures")


def rescore_subjects(
    ws: Workspace, ruleset: Ruleset, as_of: date, subjects: Iterable[Subject]
) -> ScoreRun:
    """Rescore the given subjects in place; a full rescore when the last run differs."""
    wanted = sorted(set(subjects))
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    digest = ruleset_hash(ruleset)
    con = ws.connect()
    try:
        last = latest_run(con)
        if last is None or last["ruleset_hash"] != digest or last["as_of"] != as_of:
            con.close()
            return score_workspace(ws, ruleset, as_of)
        refresh_subject_index(ws, con)
        rows = {name: [] for name in _TABLES}  # type: dict[str, list[dict[str, Any]]]
        for kind, code in wanted:
            records = dict_rows(
                con.execute(
                    "SELECT * FROM records WHERE subject_kind = ? AND subject_code = ?",
                    [kind, code],
                )
            )
            decisions = overrides_for(con, (r["record_id"] for r in records))
            ex = explain(ruleset, kind, code, records, as_of, decisions)
            for name, new in _rows_of(ex, ruleset).items():
                rows[name].extend(new)
        _swap(con, wanted, rows)
        (results,) = con.execute(DIGEST_SQL).fetchone() or ("",)
        run = _record_run(con, ruleset, digest, as_of, started, started_at, str(results))
        return run
    finally:
        con.close()


def _rows_of(ex: Explanation, ruleset: Ruleset) -> dict[str, list[dict[str, Any]]]:
    """The rows a full rescore writes for one subject, in the plan's columns."""
    who = {"subject_kind": ex.subject_kind, "subject_code": ex.subject_code}
    if not ex.known:
        return {name: [] for name in _TABLES}
    scores = [{**who, "scored": ex.scored, "score": ex.score, "grade": ex.grade, "note": ex.note,
               "as_of": ex.as_of, "ruleset": ex.ruleset, "version": ex.version}]  # fmt: skip
    lines = [
        {**who, "rating_id": line.rating_id, "stream": line.stream,
         "requirement_id": line.requirement_id, "record_id": line.record_id,
         "source": line.source, "kind": line.kind, "occurred_at": line.occurred_at,
         "amount": line.amount, "points": line.points, "cap": line.cap,
         "occurrence": line.occurrence, "counted": line.counted,
         "points_applied": line.points_applied, "expires_on": line.expires_on,
         "category": line.category, "legal_basis": line.legal_basis, "severity": line.severity}
        for line in ex.lines
    ]  # fmt: skip
    points: dict[str, dict[str, Any]] = {}
    for line in ex.lines:
        entry = points.setdefault(
            line.rating_id,
            {**who, "rating_id": line.rating_id, "stream": line.stream, "points": 0,
             "lines": 0, "counted_lines": 0},
        )  # fmt: skip
        entry["points"] += line.points_applied
        entry["lines"] += 1
        entry["counted_lines"] += int(line.counted)
    listings = [
        {"list_name": item.list_name, **who, "record_id": item.record_id,
         "requirement_id": item.requirement_id, "state": item.state,
         "proposed_on": item.proposed_on, "published_on": item.published_on,
         "expires_on": item.expires_on}
        for item in ex.listings
    ]  # fmt: skip
    measures = [
        {**who, "measure_id": m.measure_id, "via": m.via,
         "effect": json.dumps(m.effect, sort_keys=True), "legal_basis": m.legal_basis}
        for m in ex.measures
    ]  # fmt: skip
    return {"scores": scores, "score_lines": lines, "rating_points": list(points.values()),
            "listings": listings, "subject_measures": measures}  # fmt: skip


def _swap(
    con: duckdb.DuckDBPyConnection, subjects: list[Subject], rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Delete the subjects' old rows and insert the new ones, in one transaction."""
    keys = [{"subject_kind": kind, "subject_code": code} for kind, code in subjects]
    con.execute("BEGIN TRANSACTION")
    try:
        for name in _TABLES:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND schema_name = 'main' ORDER BY column_index", [name]).fetchall()]  # fmt: skip
            con.executemany(
                f"DELETE FROM {name} WHERE subject_kind = ? AND subject_code = ?",
                [[k["subject_kind"], k["subject_code"]] for k in keys],
            )
            if rows[name]:
                marks = ", ".join("?" for _ in columns)
                con.executemany(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                    [[row.get(c) for c in columns] for row in rows[name]],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _record_run(
    con: duckdb.DuckDBPyConnection,
    ruleset: Ruleset,
    digest: str,
    as_of: date,
    started: float,
    started_at: datetime,
    results: str,
) -> ScoreRun:
    (subjects, scored), (lines,) = (
        con.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE scored) FROM scores").fetchone()
        or (0, 0),
        con.execute("SELECT COUNT(*) FROM score_lines").fetchone() or (0,),
    )
    run = ScoreRun(
        run_id=uuid.uuid4().hex[:12], as_of=as_of, ruleset=ruleset.ruleset,
        version=ruleset.version, ruleset_hash=digest, subjects=int(subjects),
        scored=int(scored), lines=int(lines), seconds=time.perf_counter() - started,
        results_digest=results,
    )  # fmt: skip
    con.execute(
        "INSERT INTO score_runs (run_id, as_of, ruleset, version, ruleset_hash, engine, "
        "started_at, finished_at, subjects, lines, known_at, results_digest) "
        "VALUES (?, ?, ?, ?, ?, 'incremental', ?, ?, ?, ?, ?, ?)",
        [run.run_id, as_of, run.ruleset, run.version, digest, started_at, datetime.now(UTC),
         run.subjects, run.lines, started_at, results],
    )  # fmt: skip
    return run
