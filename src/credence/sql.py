"""Small SQL helpers with one home: literals, transactions, rows as dicts, inserts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa


def lit(value: str) -> str:
    """A SQL string literal (quotes doubled): every path and id spliced into SQL text."""
    return "'" + value.replace("'", "''") + "'"


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fetch every row of an executed query as a dict."""
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block as one catalog transaction: every write lands, or none (ROLLBACK on any
    exception)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# Up to this many rows go in as one statement's values; more, as one Arrow table: binding every
# value of ninety rows costs about four times the table's hand-over.
VALUES_MAX_ROWS = 16


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
    returning: str = "",
    schema: pa.Schema | None = None,
) -> list[tuple[Any, ...]]:
    """Insert rows (dicts with the same keys, named as the table's columns; ``schema`` types
    them when given) in one statement; what ``returning`` (a RETURNING clause) gives comes back."""
    columns = schema.names if schema is not None else list(rows[0])
    names = ", ".join(columns)
    if len(rows) <= VALUES_MAX_ROWS:
        one = "(" + ", ".join("?" for _ in columns) + ")"
        return con.execute(
            f"INSERT INTO {table} ({names}) VALUES {', '.join(one for _ in rows)}{returning}",
            [row.get(c) for row in rows for c in columns],
        ).fetchall()
    handed = "cr_new_rows"
    con.register(handed, pa.Table.from_pylist(rows, schema=schema))
    try:
        return con.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {handed}{returning}"
        ).fetchall()
    finally:
        con.unregister(handed)
