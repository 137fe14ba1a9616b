"""Subjects' display names, kept in a small table so a lookup does not scan every record.

A name comes from the records' hints (the latest record that gives one). The table is derived:
it is rebuilt when batches were committed since it was last built (at start, after a new
record), which is cheap next to the rescore that follows a new record anyway.
"""

from __future__ import annotations

import duckdb

NAMES_DDL = (
    """CREATE TABLE IF NOT EXISTS subject_names (
        subject_kind VARCHAR, subject_code VARCHAR, name VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS subject_names_state (batches BIGINT, last_commit TIMESTAMPTZ)",
)
_BUILD = """
INSERT INTO subject_names
SELECT subject_kind, subject_code, arg_max(hints ->> '$.name', occurred_at)
FROM records WHERE subject_code IS NOT NULL AND hints ->> '$.name' IS NOT NULL
GROUP BY subject_kind, subject_code
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in NAMES_DDL:
        con.execute(statement)


def refresh_names(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the names if batches came in since the last build; True when it rebuilt.

    ``con`` must see the ``records`` view over every committed batch.
    """
    ensure_tables(con)
    current = con.execute("SELECT COUNT(*), max(committed_at) FROM batches").fetchone()
    built = con.execute("SELECT batches, last_commit FROM subject_names_state").fetchone()
    if built is not None and current is not None and tuple(built) == tuple(current):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM subject_names")
        con.execute(_BUILD)
        con.execute("DELETE FROM subject_names_state")
        con.execute("INSERT INTO subject_names_state VALUES (?, ?)", list(current or (0, None)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


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
