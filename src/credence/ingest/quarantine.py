"""Quarantine: every row that did not go in, with its reason, field and original row.

While a batch's files are read their checked rows collect in its staging folder; the bad ones
reach the catalog's ``quarantine`` table in the same transaction that commits the batch, or not
at all, each naming the file it came from and its row there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from credence.sql import lit
from credence.store.batch_files import BatchFile


def staged_by_reason(con: duckdb.DuckDBPyConnection, staged: str) -> dict[str, int]:
    """How many staged rows (the relation ``staged``) each reason holds, most frequent first."""
    rows = con.execute(
        f"SELECT reason, count(*) AS n FROM {staged} WHERE reason IS NOT NULL"
        " GROUP BY reason ORDER BY n DESC, reason"
    ).fetchall()
    return {reason: int(n) for reason, n in rows}


def insert_staged(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    batch_id: str,
    source: str,
    file: str,
    files: Sequence[BatchFile] = (),
) -> None:
    """Copy the staged bad rows into the catalog (inside the batch's commit transaction).

    A batch of several files numbers its rows batch-wide; each quarantined row is written with
    the file it came from and its row there, found in the batch's ``batch_files`` rows (written
    first in the same transaction), so ``file:row`` points into the file as delivered."""
    if len(files) <= 1:
        named = files[0].file if files else file
        con.execute(
            f"INSERT INTO quarantine SELECT {lit(batch_id)}, {lit(source)}, {lit(named)},"
            f" row_number, field, reason, detail, raw FROM {staged} WHERE reason IS NOT NULL"
            " ORDER BY row_number"
        )
        return
    con.execute(
        f"""INSERT INTO quarantine SELECT {lit(batch_id)}, {lit(source)},
            coalesce(f.file, {lit(file)}), s.row_number - coalesce(f.first_row, 1) + 1,
            s.field, s.reason, s.detail, s.raw
        FROM {staged} s LEFT JOIN batch_files f ON f.batch_id = {lit(batch_id)}
            AND s.row_number BETWEEN f.first_row AND f.first_row + f.rows - 1
        WHERE s.reason IS NOT NULL ORDER BY s.row_number"""
    )


@dataclass(frozen=True)
class QuarantinedRow:
    """One row that was kept out, and why."""

    batch_id: str
    source: str
    file: str
    row_number: int
    field: str
    reason: str
    detail: str
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_quarantine(
    con: duckdb.DuckDBPyConnection, source: str | None = None, limit: int = 50
) -> list[QuarantinedRow]:
    """Quarantined rows, newest batch first then by row, optionally for one source."""
    where = "WHERE q.source = ?" if source else ""
    params: list[Any] = [source] if source else []
    rows = con.execute(
        f"""SELECT q.batch_id, q.source, q.file, q.row_number, q.field, q.reason, q.detail, q.raw
        FROM quarantine q LEFT JOIN batches b USING (batch_id) {where}
        ORDER BY b.committed_at DESC NULLS LAST, q.batch_id, q.row_number LIMIT ?""",
        [*params, max(int(limit), 0)],
    ).fetchall()
    return [QuarantinedRow(*row) for row in rows]


def quarantine_counts(
    con: duckdb.DuckDBPyConnection, source: str | None = None
) -> list[tuple[str, str, int]]:
    """(source, reason, rows) over everything quarantined, optionally for one source."""
    where = "WHERE source = ?" if source else ""
    rows = con.execute(
        f"SELECT source, reason, count(*) FROM quarantine {where}"
        " GROUP BY source, reason ORDER BY source, count(*) DESC, reason",
        [source] if source else [],
    ).fetchall()
    return [(src, reason, int(n)) for src, reason, n in rows]
