"""The staging folder of one batch, under the workspace's ``tmp/``.

Checked rows are written chunk by chunk as Parquet (``rows/``) so a large file never sits whole
in memory; at the end the new records among them are written with exactly RECORD_SCHEMA into
``records/``, the folder that is renamed to the batch folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from credence.ingest.plan import STAGED_EXTRA
from credence.ingest.sql import lit
from credence.model import RECORD_COLUMNS, RECORD_SCHEMA, RECORD_SQL_TYPES
from credence.store import Workspace

PART_ROWS = 4_000_000
READ_BATCH_ROWS = 262_144
# Record ids and row numbers are unique: a dictionary only costs time for them.
_DICTIONARY_COLUMNS = [c for c in RECORD_COLUMNS if c not in ("record_id", "row_number")]


class Staging:
    """Where one batch is assembled before it is renamed into ``records/``."""

    def __init__(self, ws: Workspace, batch_id: str) -> None:
        self.root = ws.temp_dir / f"ingest-{batch_id}"
        self.rows_dir = self.root / "rows"
        self.records_dir = self.root / "records"
        self.files: list[Path] = []

    def reset(self) -> None:
        """Start empty, removing what a run that died may have left."""
        self.cleanup()
        self.rows_dir.mkdir(parents=True)
        self.records_dir.mkdir()
        self.files = []

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def add(self, con: duckdb.DuckDBPyConnection, staged_sql: str) -> int:
        """Write the rows ``staged_sql`` selects as the next Parquet file; return how many."""
        path = self.rows_dir / f"rows-{len(self.files):06d}.parquet"
        written = con.execute(
            f"COPY ({staged_sql}) TO {lit(path.as_posix())} (FORMAT parquet, COMPRESSION snappy)"
        ).fetchall()
        self.files.append(path)
        return int(written[0][0]) if written else 0

    @property
    def relation(self) -> str:
        """SQL for the staged rows: RECORD_COLUMNS, then reason, field, detail, raw."""
        if self.files:
            listing = ", ".join(lit(p.as_posix()) for p in self.files)
            return f"read_parquet([{listing}])"
        types = {**RECORD_SQL_TYPES, **STAGED_EXTRA}
        typed = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in types.items())
        return f"(SELECT {typed} WHERE false)"

    def count_good(self, con: duckdb.DuckDBPyConnection) -> int:
        rows = con.execute(f"SELECT count(*) FROM {self.relation} WHERE reason IS NULL")
        return int(rows.fetchall()[0][0])

    def write_records(self, con: duckdb.DuckDBPyConnection) -> int:
        """Write the staged records that are new (the first of any repeats, and not already in
        ``records``) as Parquet parts with exactly RECORD_SCHEMA; return how many."""
        columns = ", ".join(f"g.{name}" for name in RECORD_COLUMNS)
        query = f"""WITH good AS (SELECT * FROM {self.relation} WHERE reason IS NULL)
            SELECT {columns} FROM good g
            WHERE g.row_number IN (SELECT min(row_number) FROM good GROUP BY record_id)
            AND NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = g.record_id)"""
        written = in_part = 0
        writer: pq.ParquetWriter | None = None
        try:
            for batch in con.sql(query).to_arrow_reader(READ_BATCH_ROWS):
                if batch.num_rows == 0:
                    continue
                if writer is None or in_part >= PART_ROWS:
                    if writer is not None:
                        writer.close()
                    writer = self._writer()
                    in_part = 0
                writer.write_batch(batch.cast(RECORD_SCHEMA))
                written += batch.num_rows
                in_part += batch.num_rows
        finally:
            if writer is not None:
                writer.close()
        return written

    def _writer(self) -> pq.ParquetWriter:
        part = len(list(self.records_dir.glob("*.parquet")))
        return pq.ParquetWriter(
            self.records_dir / f"part-{part:05d}.parquet",
            RECORD_SCHEMA,
            compression="zstd",
            use_dictionary=_DICTIONARY_COLUMNS,
        )
