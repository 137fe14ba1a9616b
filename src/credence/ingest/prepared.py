"""A few JSON Lines rows checked by a statement prepared once per connection, mapping and day.

Why: the checks are SQL (``check_sql.py``), and DuckDB spends tens of milliseconds binding
and optimising them, most of a posted record's budget, though the rows are few. The statement
for a mapping is the same from one post to the next except for the rows, the batch id and the
time of ingest, so it is prepared once (``PREPARE``) and run with those as parameters
(``EXECUTE``): the very statement the file path runs, bound once.

It reads no table at all (DuckDB binds a prepared statement that reads one again at every
run): the rows come in as two lists and the region periods as constants. Preparing costs
about half a second, once per connection, mapping and day; each run then a few milliseconds.
"""

from __future__ import annotations

import hashlib
import weakref
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from credence.ingest.plan import ChunkPlan
from credence.ingest.readers import LINE, ROW
from credence.sql import dict_rows, lit

_PREPARED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, set[str]] = (
    weakref.WeakKeyDictionary()
)


def _statement_name(plan: ChunkPlan, today: date) -> str:
    key = f"{plan.mapping.model_dump_json()}\x1f{today.isoformat()}"
    return "credence_stage_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def can_prepare(plan: ChunkPlan, chunk: pa.Table) -> bool:
    """JSON Lines whose lines can be written as SQL literals (no NUL character)."""
    if plan.format != "jsonl":
        return False
    return not any(line is not None and "\x00" in line for line in chunk[LINE].to_pylist())


def staged_rows(
    con: duckdb.DuckDBPyConnection,
    plan: ChunkPlan,
    chunk: pa.Table,
    batch_id: str,
    ingested_at: datetime,
) -> list[dict[str, Any]]:
    """The staged rows of a JSON Lines chunk, as ``plan.staged_sql`` gives them."""
    name = _statement_name(plan, plan.today)
    known = _PREPARED.setdefault(con, set())
    if name not in known:
        con.execute(f"PREPARE {name} AS {plan.prepared_sql()}")
        known.add(name)
    rows = ", ".join(str(int(n)) for n in chunk[ROW].to_pylist())
    lines = ", ".join("NULL" if v is None else lit(v) for v in chunk[LINE].to_pylist())
    # Each value typed as the statement declares it: a value of another type makes DuckDB
    # bind the whole statement again.
    at = f"CAST({lit(ingested_at.isoformat())} AS TIMESTAMPTZ)"
    found = con.execute(
        f"EXECUTE {name}([{rows}]::BIGINT[], [{lines}]::VARCHAR[],"
        f" CAST({lit(batch_id)} AS VARCHAR), {at})"
    )
    return dict_rows(found)
