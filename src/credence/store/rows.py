"""Query results as dicts keyed by column name: the one shape the library hands around."""

from __future__ import annotations

from typing import Any

import duckdb


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Fetch every row of an executed query as a dict."""
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
