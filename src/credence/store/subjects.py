"""The subject index: every (kind, code) the committed records name, with the day first seen.

Scoring rates exactly these subjects. Keeping them in the catalog, updated batch by batch, spares
every scoring run a distinct-aggregate over all records (the largest cost at 100M records).
Batches are immutable, so indexing each one once is exact.
"""

from __future__ import annotations

import duckdb

from credence.store.workspace import Workspace

# The same set computed straight from a ``records`` table (tests, and any engine without a catalog).
SUBJECTS_FROM_RECORDS = (
    "SELECT subject_kind, subject_code, MIN(occurred_at) AS first_seen FROM records "
    "WHERE subject_code IS NOT NULL GROUP BY subject_kind, subject_code"
)


def refresh_subject_index(ws: Workspace, con: duckdb.DuckDBPyConnection) -> int:
    """Index every committed batch not indexed yet; return how many were added."""
    pending = con.execute(
        "SELECT b.batch_id, b.path FROM batches b "
        "WHERE b.batch_id NOT IN (SELECT batch_id FROM subject_index_batches) "
        "ORDER BY b.committed_at, b.batch_id"
    ).fetchall()
    for batch_id, path in pending:
        files = sorted(str(p) for p in (ws.root / path).glob("*.parquet"))
        con.execute("BEGIN TRANSACTION")
        try:
            if files:
                _index_files(con, files)
            con.execute("INSERT INTO subject_index_batches VALUES (?)", [batch_id])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return len(pending)


def _index_files(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE subject_batch AS "
        "SELECT subject_kind, subject_code, MIN(occurred_at) AS first_seen "
        f"FROM read_parquet([{listing}]) WHERE subject_code IS NOT NULL "
        "GROUP BY subject_kind, subject_code"
    )
    con.execute(
        "UPDATE subjects SET first_seen = b.first_seen FROM subject_batch b "
        "WHERE subjects.subject_kind = b.subject_kind AND subjects.subject_code = b.subject_code "
        "AND b.first_seen < subjects.first_seen"
    )
    con.execute(
        "INSERT INTO subjects SELECT b.* FROM subject_batch b ANTI JOIN subjects s "
        "ON s.subject_kind = b.subject_kind AND s.subject_code = b.subject_code"
    )
    con.execute("DROP TABLE subject_batch")
