"""Check one file's rows into a batch's staging, a million rows a statement, numbered batch-wide.

Why here: both ways in, a file or many (``pipeline.py``) and one posted file (``small.py``),
stage rows the same way. A batch of many files numbers its rows on from file to file (file k's
row r is ``first_row + r - 1``), so each chunk's row numbers are shifted before the checks see
them, and the highest number the reader reached in a file (an unreadable line keeps its place)
says where the next file begins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from credence.ingest import prepared
from credence.ingest.mapping import SourceMapping
from credence.ingest.plan import CHUNK, SRC, ChunkPlan
from credence.ingest.readers import ROW, SourceFile, Unreadable
from credence.ingest.report import IngestReport
from credence.ingest.staging import STAGED_SCHEMA, Staging

Tick = Callable[[int], None]  # told the rows staged so far
# Rows checked by one statement: the reader's chunks are gathered up to this many, so each
# statement is bound once per million rows and has work enough for every core.
GROUP_ROWS = 1 << 20
SCAN_BATCH_ROWS = 1 << 15


def stage_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    mapping: SourceMapping,
    report: IngestReport,
    staging: Staging,
    tick: Tick | None = None,
    first_row: int = 1,
    ingested_at: datetime | None = None,
    today: date | None = None,
) -> int:
    """Check every chunk into the staging: one row per input row, good or bad, numbered from
    ``first_row``; return the highest row number of the file the reader reached (0: none).

    ``ingested_at`` and ``today`` are the batch's, so every file of it is checked as of the
    same day and stamped with the same time."""
    plan = ChunkPlan(mapping, source.format, source.types, today or date.today())
    ingested_at = ingested_at or datetime.now(UTC)
    staged_sql = plan.staged_sql(report.batch_id, ingested_at)
    if plan.format == "jsonl":  # the lines' values extracted in the same statement
        staged_sql = f"WITH {SRC} AS ({plan.src_sql()}) SELECT * FROM ({staged_sql})"
    offset = first_row - 1
    reached = 0

    def set_aside(lines: list[Unreadable]) -> None:
        nonlocal reached
        reached = max([reached, *(line.row for line in lines)])
        rows = unreadable_rows(plan, lines, report.batch_id, offset)
        report.rows_in += staging.add_rows(con, rows)

    pending: list[pa.Table] = []  # prepared chunks not yet checked, fewer than GROUP_ROWS

    def check_pending() -> None:
        if not pending:
            return
        con.register(CHUNK, for_parallel_scan(pending))
        pending.clear()
        try:
            report.rows_in += staging.add(con, staged_sql)
        finally:
            con.unregister(CHUNK)
        if tick is not None:
            tick(report.rows_in)

    for lines, highest, ready in read_pieces(source, plan, offset):
        set_aside(lines)
        if ready is None:  # the lines set aside after the last chunk
            continue
        reached = max(reached, highest)
        if staging.in_memory and prepared.can_prepare(plan, ready):  # a few rows, as posted
            rows = prepared.staged_rows(con, plan, ready, report.batch_id, ingested_at)
            report.rows_in += staging.extend(con, rows)
            continue
        if pending and ready.schema != pending[0].schema:
            check_pending()
        pending.append(ready)
        if sum(t.num_rows for t in pending) >= GROUP_ROWS:
            check_pending()
    check_pending()
    return reached


Piece = tuple[list[Unreadable], int, pa.Table | None]


def read_pieces(source: SourceFile, plan: ChunkPlan, offset: int) -> Iterator[Piece]:
    """The file as read: per chunk, the lines set aside before it, its highest row number as
    read, and the chunk shifted by ``offset`` and prepared; last, the lines set aside after
    it (no chunk)."""
    for chunk in source.chunks():
        lines = source.take_unreadable()
        yield lines, highest_row(chunk), plan.prepare(shifted(chunk, offset))
    yield source.take_unreadable(), 0, None


def for_parallel_scan(tables: list[pa.Table]) -> pa.Table:
    """The tables as one, in record batches of at most SCAN_BATCH_ROWS: DuckDB's threads each
    take a batch of a registered Arrow table, so one big batch would be checked on one core."""
    whole = pa.concat_tables(tables)
    return pa.Table.from_batches(whole.to_batches(max_chunksize=SCAN_BATCH_ROWS), whole.schema)


def highest_row(chunk: pa.Table) -> int:
    """The highest row number in a chunk as read (0 for an empty one)."""
    found = pc.max(chunk[ROW]).as_py()
    return int(found) if found is not None else 0


def shifted(chunk: pa.Table, offset: int) -> pa.Table:
    """The chunk with its row numbers moved on by ``offset`` (the rows of earlier files)."""
    if offset == 0:
        return chunk
    at = chunk.schema.get_field_index(ROW)
    moved = pc.add(chunk[ROW], pa.scalar(offset, pa.int64()))
    return chunk.set_column(at, ROW, moved)


def unreadable_rows(
    plan: ChunkPlan, lines: list[Unreadable], batch_id: str, offset: int = 0
) -> list[dict[str, Any]]:
    """Staged rows (all bad) for the lines the reader could not read as rows."""
    m = plan.mapping
    empty = dict.fromkeys(STAGED_SCHEMA.names)
    return [
        {
            **empty,
            "source": m.source,
            "level": m.level,
            "stream": m.stream,
            "batch_id": batch_id,
            "row_number": line.row + offset,
            "reason": line.reason,
            "field": "row",
            "detail": line.detail,
            "raw": json.dumps(line.raw, ensure_ascii=False),  # the line, as a JSON string
        }
        for line in lines
    ]
