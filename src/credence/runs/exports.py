"""Export workspace tables to CSV or Parquet, with the canonical field names.

A run's results are exported from the run the seam names (the current one unless given); the
``{scores}``-style places in the queries below are filled by ``RunResults.sql``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from credence.cells import neutral_query
from credence.errors import CredenceError
from credence.model import RECORD_COLUMNS
from credence.runs import results
from credence.runs.results import RunResults

EXPORTS: dict[str, str] = {
    "records": f"SELECT {', '.join(RECORD_COLUMNS)} FROM records ORDER BY record_id",
    "scores": (
        "SELECT subject_code, subject_kind, scored, score, grade, note, as_of, ruleset, version "
        "FROM {scores} ORDER BY subject_kind, subject_code"
    ),
    "score-lines": (
        "SELECT subject_code, subject_kind, rating_id, stream, requirement_id, record_id, source, "
        "kind, occurred_at, amount, points, cap, occurrence, counted, points_applied, expires_on, "
        "category, legal_basis, severity FROM {score_lines} "
        "ORDER BY subject_kind, subject_code, requirement_id, occurrence"
    ),
    "rating-points": (
        "SELECT * FROM {rating_points} ORDER BY subject_kind, subject_code, rating_id"
    ),
    "listings": (
        "SELECT * FROM {listings} ORDER BY list_name, subject_kind, subject_code, record_id"
    ),
    "measures": (
        "SELECT subject_code, subject_kind, measure_id, via, effect, legal_basis "
        "FROM {subject_measures} ORDER BY subject_kind, subject_code, measure_id, via"
    ),
    "decisions": (
        "SELECT record_id, action, effective_on, reason, reference, decided_by, decided_at "
        "FROM record_overrides ORDER BY decided_at, record_id"
    ),
    "links": (
        "SELECT record_id, subject_kind, subject_code, probability, method, decided_by, "
        "decided_at, undone_at FROM record_links ORDER BY decided_at, record_id"
    ),
    "quarantine": "SELECT * FROM quarantine ORDER BY source, file, row_number",
}

_NEEDS_SCORING = {"scores", "score-lines", "rating-points", "listings", "measures"}


def export_table(
    con: duckdb.DuckDBPyConnection, what: str, out: Path, run: RunResults | None = None
) -> int:
    """Write one export to ``out`` (format from the extension) and return its row count."""
    if what not in EXPORTS:
        raise CredenceError(f"cannot export {what!r}: choose one of {', '.join(EXPORTS)}")
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise CredenceError(f"{out}: the output must end in .csv or .parquet")
    query = EXPORTS[what]
    if what in _NEEDS_SCORING:
        run = run or results.current(con)
        if run is None:
            raise CredenceError(f"nothing to export as {what}: run `credence score` first")
        query = run.sql(query)
    out.parent.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet" if suffix == ".parquet" else "FORMAT csv, HEADER true"
    written = query if suffix == ".parquet" else neutral_query(con, query)  # no formulas
    target = str(out).replace("'", "''")
    con.execute(f"COPY ({written}) TO '{target}' ({options})")
    row = con.execute(f"SELECT COUNT(*) FROM ({query})").fetchone()
    return int(row[0]) if row else 0
