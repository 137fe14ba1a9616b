"""Query results as dicts keyed by column name: the one shape the library hands around."""

from __future__ import annotations

import warnings
from typing import Any

import duckdb
import pyarrow as pa


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fetch every row of an executed query as a dict."""
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def arrow_of(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pa.Table:
    """A small result as Arrow, planned once. (DuckDB warns that the DB-API path copies the
    rows; for the few rows of an online request the copy is nothing and the second planning a
    relation would do is not.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql, params).to_arrow_table()
