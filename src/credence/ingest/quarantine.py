"""Quarantine: every row that did not go in, with its reason, field and original row.

While a file is read its checked rows collect in the batch's staging folder; the bad ones reach
the catalog's ``quarantine`` table in the same transaction that commits the batch, or not at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from credence.sql import lit


def staged_by_reason(con: duckdb.DuckDBPyConnection, staged: str) -> dict[str, int]:
    """How many staged rows (the relation ``staged``) each reason holds, most frequent first."""
    rows = con.execute(
        f"SELECT reason, count(*) AS n FROM {staged} WHERE reason IS NOT NULL"
        " GROUP BY reason ORDER BY n DESC, reason"
    ).fetchall()
    return {reason: int(n) for reason, n in rows}


def insert_staged(
    con: duckdb.DuckDBPyConnection, staged: str, batch_id: str, source: str, file: str
) -> None:
    """Copy the staged bad rows into the catalog (inside the batch's commit transaction)."""
    con.execute(
        f"INSERT INTO quarantine SELECT {lit(batch_id)}, {lit(source)}, {lit(file)},"
        f" row_number, field, reason, detail, raw FROM {staged} WHERE reason IS NOT NULL"
        " ORDER BY row_number"
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
