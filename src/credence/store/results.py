"""Where the catalog keeps a run's results: one schema per run, ``run_<id>``, with the tables
declared in ``credence.model.RESULT_SCHEMAS``.

This is the storage half of the results seam; readers go through ``runs/results.py``, which
knows which run is current. A workspace from before runs had ids kept its results in
``main``: ``migrate_results`` moves them under the latest run, once.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from credence.errors import CredenceError
from credence.model import RESULT_SCHEMAS, RESULT_TABLES
from credence.sql import transaction

RUN_SCHEMA_PREFIX = "run_"
CURRENT_KEY = "current_run"  # in ``meta``: the id of the run every reader sees
_RUN_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def storage_of(run_id: str) -> str:
    """The schema holding a run's tables."""
    if not _RUN_ID.match(run_id):
        raise CredenceError(f"internal: {run_id!r} cannot name a run")
    return f"{RUN_SCHEMA_PREFIX}{run_id}"


def qualified(storage: str, result: str) -> str:
    """The quoted name of one result table of a run's storage."""
    if result not in RESULT_SCHEMAS:
        raise CredenceError(f"internal: no result table {result!r}")
    return f'"{storage}"."{result}"'


def empty_result(result: str) -> str:
    """An empty relation with the columns of one result table (no run yet)."""
    if result not in RESULT_SCHEMAS:
        raise CredenceError(f"internal: no result table {result!r}")
    typed = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in RESULT_SCHEMAS[result])
    return f"(SELECT {typed} WHERE false)"


class CatalogSink:
    """A run being written: its schema exists, its tables appear as the engine makes them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con = con
        self.storage = storage_of(run_id)
        con.execute(f'DROP SCHEMA IF EXISTS "{self.storage}" CASCADE')
        con.execute(f'CREATE SCHEMA "{self.storage}"')

    def table(self, result: str) -> str:
        return qualified(self.storage, result)

    def write_arrow(self, result: str, rows: pa.Table) -> None:
        casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in RESULT_SCHEMAS[result])
        self.con.register("cr_arrow_result", rows)
        try:
            self.con.execute(
                f"CREATE TABLE {self.table(result)} AS SELECT {casts} FROM cr_arrow_result"
            )
        finally:
            self.con.unregister("cr_arrow_result")


def drop_storage(con: duckdb.DuckDBPyConnection, storage: str | None) -> None:
    """Forget a run's tables (its row in ``score_runs`` stays: it can be reproduced)."""
    if storage:
        con.execute(f'DROP SCHEMA IF EXISTS "{storage}" CASCADE')


def migrate_results(con: duckdb.DuckDBPyConnection) -> None:
    """Move results a workspace kept in ``main`` (before runs had ids) under its latest run."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }
    legacy = [name for name in RESULT_TABLES if name in present]
    if not legacy:
        return
    row = con.execute(
        "SELECT run_id FROM score_runs ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    with transaction(con):
        if row is not None:
            storage = storage_of(str(row[0]))
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{storage}"')
            for name in legacy:
                con.execute(f"CREATE TABLE {qualified(storage, name)} AS SELECT * FROM main.{name}")
            con.execute("UPDATE score_runs SET storage = ?, published = true WHERE run_id = ?",
                        [storage, row[0]])  # fmt: skip
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [CURRENT_KEY, row[0]])
        for name in legacy:
            con.execute(f"DROP TABLE main.{name}")

