"""Summaries of a scored workspace: grade distribution, list counts, quarantine reasons."""

from __future__ import annotations

from typing import Any

import duckdb

from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.results import RunResults
from credence.sql import dict_rows


def grade_distribution(
    con: duckdb.DuckDBPyConnection, ruleset: Ruleset, run: RunResults | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Per subject kind: (grade, count) in band order, then ('not scored', n) for people, in a
    run (the current one unless given)."""
    run = run or results.require_current(con)
    rows = con.execute(
        run.sql(
            "SELECT subject_kind, COALESCE(grade, 'not scored'), COUNT(*) FROM {scores} "
            "GROUP BY ALL"
        )
    ).fetchall()
    counts = {(kind, grade): n for kind, grade, n in rows}
    out: dict[str, list[tuple[str, int]]] = {}
    for kind in ("person", "organization"):
        bands = [band.grade for band in ruleset.grades.for_kind(kind)] + ["not scored"]
        out[kind] = [(g, int(counts.get((kind, g), 0))) for g in bands]
    return out


def list_counts(
    con: duckdb.DuckDBPyConnection, run: RunResults | None = None
) -> list[tuple[str, str, str, int]]:
    """(list, subject kind, state, count) for every listing state present in a run."""
    run = run or results.require_current(con)
    rows = con.execute(
        run.sql(
            "SELECT list_name, subject_kind, state, COUNT(DISTINCT subject_code) FROM {listings} "
            "GROUP BY ALL ORDER BY list_name, subject_kind, state"
        )
    ).fetchall()
    return [(str(a), str(b), str(c), int(n)) for a, b, c, n in rows]


def ingest_totals(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Rows read, loaded, duplicated and quarantined over all batches, and reasons."""
    totals = con.execute(
        "SELECT COUNT(*), COALESCE(SUM(rows_in), 0), COALESCE(SUM(rows_loaded), 0), "
        "COALESCE(SUM(rows_duplicate), 0), COALESCE(SUM(rows_quarantined), 0) FROM batches"
    ).fetchone() or (0, 0, 0, 0, 0)
    reasons = con.execute(
        "SELECT reason, COUNT(*) FROM quarantine GROUP BY reason ORDER BY 2 DESC, 1"
    ).fetchall()
    return {
        "batches": int(totals[0]),
        "rows_in": int(totals[1]),
        "loaded": int(totals[2]),
        "duplicates": int(totals[3]),
        "quarantined": int(totals[4]),
        "quarantined_by_reason": {str(r): int(n) for r, n in reasons},
        "by_source": ingest_by_source(con),
    }


def ingest_by_source(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per source: batches, rows read, loaded, duplicates and quarantined, in first-ingest order."""
    cursor = con.execute(
        "SELECT source, COUNT(*) AS batches, SUM(rows_in) AS rows_in, SUM(rows_loaded) AS loaded, "
        "SUM(rows_duplicate) AS duplicates, SUM(rows_quarantined) AS quarantined "
        "FROM batches GROUP BY source ORDER BY MIN(committed_at), source"
    )
    return dict_rows(cursor)
