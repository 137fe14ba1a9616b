"""Subjects' display names, kept in a small table so a lookup does not scan every record.

A name comes from the records' hints (the latest record that gives one). The table is derived:
built in full once, then brought up to date batch by batch. A new record adds one small batch,
so only that batch is read and its names merged in (the later record's name wins, as in a full
build), which keeps "one new record to an updated score" off a scan of every record.
"""

from __future__ import annotations

import duckdb

from credence.store.workspace import INLINE_PATH, Workspace, lit, parquet_scan

NAMES_DDL = (
    """CREATE TABLE IF NOT EXISTS subject_names (
        subject_kind VARCHAR, subject_code VARCHAR, name VARCHAR)""",
    "ALTER TABLE subject_names ADD COLUMN IF NOT EXISTS named_on DATE",
    "CREATE TABLE IF NOT EXISTS subject_names_state (batches BIGINT, last_commit TIMESTAMPTZ)",
)
_NAMES_FROM = """
SELECT subject_kind, subject_code, arg_max(hints ->> '$.name', occurred_at) AS name,
       max(occurred_at) AS named_on
FROM {records} WHERE subject_code IS NOT NULL AND hints ->> '$.name' IS NOT NULL
GROUP BY subject_kind, subject_code
"""
_MERGE = """
INSERT INTO subject_names
SELECT n.subject_kind, n.subject_code, n.name, n.named_on FROM new_names n
ANTI JOIN subject_names s ON s.subject_kind = n.subject_kind AND s.subject_code = n.subject_code
"""
_UPDATE = """
UPDATE subject_names s SET name = n.name, named_on = n.named_on FROM new_names n
WHERE s.subject_kind = n.subject_kind AND s.subject_code = n.subject_code
AND (s.named_on IS NULL OR n.named_on >= s.named_on)
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in NAMES_DDL:
        con.execute(statement)


def refresh_names(con: duckdb.DuckDBPyConnection, ws: Workspace | None = None) -> bool:
    """Bring the names up to date with the committed batches; True when anything was read.

    With the workspace ``ws``, batches committed since the last build are merged in from their
    own files; without it (or with no earlier build) the names are rebuilt from ``records``, which
    ``con`` must see over every committed batch.
    """
    ensure_tables(con)
    current = con.execute("SELECT COUNT(*), max(committed_at) FROM batches").fetchone()
    built = con.execute("SELECT batches, last_commit FROM subject_names_state").fetchone()
    if built is not None and current is not None and tuple(built) == tuple(current):
        return False
    scan = _records_since(con, ws, built) if ws is not None else None
    con.execute("BEGIN TRANSACTION")
    try:
        if scan is None:
            con.execute("DELETE FROM subject_names")
            con.execute("INSERT INTO subject_names " + _NAMES_FROM.format(records="records"))
        else:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE new_names AS " + _NAMES_FROM.format(records=scan)
            )
            con.execute(_UPDATE)
            con.execute(_MERGE)
            con.execute("DROP TABLE new_names")
        con.execute("DELETE FROM subject_names_state")
        con.execute("INSERT INTO subject_names_state VALUES (?, ?)", list(current or (0, None)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def _records_since(
    con: duckdb.DuckDBPyConnection, ws: Workspace, built: tuple[object, ...] | None
) -> str | None:
    """SQL for the records of batches committed after the last build, or None when a rebuild is
    needed (no build yet, or the batch count does not add up)."""
    if built is None or built[1] is None:
        return None
    since = con.execute(
        "SELECT batch_id, path FROM batches WHERE committed_at > ? ORDER BY committed_at",
        [built[1]],
    ).fetchall()
    (total,) = con.execute("SELECT COUNT(*) FROM batches").fetchone() or (0,)
    if int(total) != int(str(built[0])) + len(since):
        return None
    columns = "subject_kind, subject_code, hints, occurred_at"
    scans = [f"SELECT {columns} FROM inline_records WHERE false"]
    files = [f for _, path in since if path != INLINE_PATH for f in ws.parts_of(path)]
    if files:
        scans.append(f"SELECT {columns} FROM {parquet_scan(files)}")
    inline = [lit(str(b)) for b, path in since if path == INLINE_PATH]
    if inline:
        scans.append(
            f"SELECT {columns} FROM inline_records WHERE batch_id IN ({', '.join(inline)})"
        )
    return "(" + " UNION ALL ".join(scans) + ")"


def name_of(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    row = con.execute("SELECT name FROM subject_names WHERE subject_code = ?", [code]).fetchone()
    return None if row is None else str(row[0])


def names_of(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = con.execute(
        "SELECT subject_code, name FROM subject_names "
        "WHERE subject_code IN (SELECT unnest(?::VARCHAR[]))",
        [codes],
    ).fetchall()
    return {str(code): str(name) for code, name in rows}
