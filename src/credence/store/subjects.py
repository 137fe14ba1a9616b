"""The subject index: every (kind, code) the committed records name, with the day first seen.

Scoring rates exactly these subjects. Keeping them in the catalog, updated batch by batch, spares
every scoring run a distinct-aggregate over all records (the largest cost at 100M records).
Batches are immutable, so indexing each one once is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from credence.sql import lit, transaction
from credence.store.workspace import INLINE_PATH, Workspace, parquet_scan

# The same set computed straight from a ``records`` table (tests, and any engine without a catalog).
SUBJECTS_FROM_RECORDS = (
    "SELECT subject_kind, subject_code, MIN(occurred_at) AS first_seen FROM records "
    "WHERE subject_code IS NOT NULL GROUP BY subject_kind, subject_code"
)


# A batch naming at most this many subjects is indexed subject by subject through an index on
# the code (an API post names one), instead of joining against every subject.
POINT_UPDATE_MAX = 64


def refresh_subject_index(ws: Workspace, con: duckdb.DuckDBPyConnection) -> int:
    """Index every committed batch not indexed yet; return how many were added."""
    pending = con.execute(
        "SELECT b.batch_id, b.path FROM batches b "
        "WHERE b.batch_id NOT IN (SELECT batch_id FROM subject_index_batches) "
        "ORDER BY b.committed_at, b.batch_id"
    ).fetchall()
    for batch_id, path in pending:
        with transaction(con):
            index_batch(ws, con, batch_id, path)
    return len(pending)


def index_batch(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    batch_id: str,
    path: str,
    subjects: list[tuple[str, str, date | None]] | None = None,
) -> None:
    """Index one committed batch inside the caller's transaction (and mark it indexed).

    ``subjects`` (kind, code, first day), when the caller has just read them from the batch's
    few rows, spares reading the batch again (the caller has made ``ensure_code_index``).
    """
    if subjects is not None:
        _index_points(con, subjects, ensured=True)
    elif (relation := _batch_relation(ws, batch_id, path)) is not None:
        _index_batch(con, relation, inline=path == INLINE_PATH)
    con.execute("INSERT INTO subject_index_batches VALUES (?)", [batch_id])


def _batch_relation(ws: Workspace, batch_id: str, path: str) -> str | None:
    if path == INLINE_PATH:
        return f"(SELECT * FROM inline_records WHERE batch_id = {lit(batch_id)})"
    files = ws.parts_of(path)
    if not files:
        return None
    return parquet_scan(files)


def _index_batch(con: duckdb.DuckDBPyConnection, relation: str, inline: bool) -> None:
    found = (
        "SELECT subject_kind, subject_code, MIN(occurred_at) AS first_seen "
        f"FROM {relation} WHERE subject_code IS NOT NULL GROUP BY subject_kind, subject_code"
    )
    if inline:  # a few rows, so a few subjects: straight to the point updates
        _index_points(con, con.execute(found).fetchall())
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE subject_batch AS {found}")
    (count,) = con.execute("SELECT COUNT(*) FROM subject_batch").fetchone() or (0,)
    if int(count) <= POINT_UPDATE_MAX:
        _index_points(con, con.execute("SELECT * FROM subject_batch").fetchall())
    else:
        con.execute(
            "UPDATE subjects SET first_seen = b.first_seen FROM subject_batch b "
            "WHERE subjects.subject_kind = b.subject_kind "
            "AND subjects.subject_code = b.subject_code AND b.first_seen < subjects.first_seen"
        )
        con.execute(
            "INSERT INTO subjects SELECT b.* FROM subject_batch b ANTI JOIN subjects s "
            "ON s.subject_kind = b.subject_kind AND s.subject_code = b.subject_code"
        )
    con.execute("DROP TABLE subject_batch")


def ensure_code_index(con: duckdb.DuckDBPyConnection) -> None:
    """The subjects' index on their code, for point updates (kept once made)."""
    con.execute("CREATE INDEX IF NOT EXISTS subjects_by_code ON subjects (subject_code)")


def _index_points(
    con: duckdb.DuckDBPyConnection, subjects: Sequence[tuple[Any, ...]], ensured: bool = False
) -> None:
    """Each subject of a small batch: found by its code (DuckDB uses the index for a filter on
    that one column), its first day moved earlier if need be, or added."""
    if not subjects:
        return
    if not ensured:
        ensure_code_index(con)
    for kind, code, first_seen in subjects:
        known = [
            (rowid, seen)
            for rowid, row_kind, seen in con.execute(
                "SELECT rowid, subject_kind, first_seen FROM subjects WHERE subject_code = ?",
                [code],
            ).fetchall()
            if row_kind == kind
        ]
        if not known:
            con.execute("INSERT INTO subjects VALUES (?, ?, ?)", [kind, code, first_seen])
        elif first_seen is not None and (known[0][1] is None or first_seen < known[0][1]):
            con.execute(
                "UPDATE subjects SET first_seen = ? WHERE rowid = ?", [first_seen, known[0][0]]
            )
