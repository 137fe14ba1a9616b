"""Tests read a workspace's results through the seam too: ``at_run`` points the result-table
names of a test's SQL at a run's tables (the current run's unless given)."""

from __future__ import annotations

import re

import duckdb

from credence.model import RESULT_TABLES
from credence.runs import results
from credence.runs.results import RunResults

_BARE = re.compile(
    rf"\b(FROM|JOIN|INTO|TABLE|UPDATE|EXISTS)(\s+)({'|'.join(RESULT_TABLES)})\b(?!\.)",
    re.IGNORECASE,
)


def at_run(con: duckdb.DuckDBPyConnection, sql: str, run: RunResults | None = None) -> str:
    """``sql`` reading ``run``'s results; unchanged in a database with no run (a test of the
    plan itself, whose tables carry their step names)."""
    run = run or results.current(con)
    if run is None:
        return sql
    return _BARE.sub(lambda m: f"{m.group(1)}{m.group(2)}{run.table(m.group(3))}", sql)
