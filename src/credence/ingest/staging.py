"""The staging folder of one batch, under the workspace's ``tmp/``.

Checked rows are written chunk by chunk as Parquet (``rows/``) so a large file never sits whole
in memory; at the end the new records among them are written with exactly RECORD_SCHEMA into
``records/``, sorted by subject with an id index beside them (``store/record_index.py``), the
folder that is renamed to the batch folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credence.ingest.plan import STAGED_EXTRA
from credence.model import RECORD_COLUMNS, RECORD_SCHEMA, RECORD_SQL_TYPES
from credence.sql import insert_rows, lit
from credence.store import Workspace
from credence.store.record_index import (
    ROW_GROUP_ROWS,
    SUBJECT_ORDER,
    known_ids,
    known_ids_relation,
    write_id_index,
)

PART_ROWS = 4_000_000
# A batch of at most this many good rows is kept inline in the catalog (see store/catalog.py).
INLINE_MAX_ROWS = 100
INLINE_NEW = "inline_new"
READ_BATCH_ROWS = 262_144
# Record ids and row numbers are unique: a dictionary only costs time for them.
_DICTIONARY_COLUMNS = [c for c in RECORD_COLUMNS if c not in ("record_id", "row_number")]


STAGED_TABLE = "staged_rows"
# The staged rows' columns as Arrow: the records' (any may be empty on a bad row), then why.
STAGED_SCHEMA = pa.schema(
    [field.with_nullable(True) for field in RECORD_SCHEMA]
    + [pa.field(name, pa.string()) for name in STAGED_EXTRA]
)


class Staging:
    """Where one batch is assembled before it is renamed into ``records/``.

    ``in_memory`` (a file of a few rows, such as one record posted to the service) stages into
    an Arrow table registered with the connection instead of Parquet files: nothing touches
    the disk until the commit.
    """

    def __init__(self, ws: Workspace, batch_id: str, in_memory: bool = False) -> None:
        self.ws = ws
        self.in_memory = in_memory
        self.root = ws.temp_dir / f"ingest-{batch_id}"
        self.rows_dir = self.root / "rows"
        self.records_dir = self.root / "records"
        self.files: list[Path] = []
        self.rows: list[dict[str, Any]] = []  # in memory: the staged rows, as the query gave them
        self._con: duckdb.DuckDBPyConnection | None = None  # where they are registered, once asked
        self.chunks = 0

    def reset(self, con: duckdb.DuckDBPyConnection) -> None:
        """Start empty, removing what a run that died may have left."""
        self.cleanup(con)
        self.files = []
        self.rows = []
        self._con = None
        self.chunks = 0
        if not self.in_memory:
            self.rows_dir.mkdir(parents=True)
            self.records_dir.mkdir()

    def cleanup(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.in_memory:
            if self._con is not None:
                self._con.unregister(STAGED_TABLE)
                self._con = None
        elif self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def add(self, con: duckdb.DuckDBPyConnection, staged_sql: str) -> int:
        """Stage the rows ``staged_sql`` selects (the next Parquet file); return how many."""
        if self.in_memory:
            found = con.execute(staged_sql)
            names = [d[0] for d in found.description or []]
            return self.extend(con, [dict(zip(names, r, strict=True)) for r in found.fetchall()])
        path = self.rows_dir / f"rows-{len(self.files):06d}.parquet"
        rows = con.execute(
            f"COPY ({staged_sql}) TO {lit(path.as_posix())} (FORMAT parquet, COMPRESSION snappy)"
        ).fetchall()
        self.files.append(path)
        return int(rows[0][0]) if rows else 0

    def add_rows(self, con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
        """Stage rows made outside SQL (lines the reader set aside), in memory or on disk."""
        if not rows:
            return 0
        if self.in_memory:
            return self.extend(con, rows)
        path = self.rows_dir / f"rows-{len(self.files):06d}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=STAGED_SCHEMA), path)
        self.files.append(path)
        return len(rows)

    def extend(self, con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
        """Stage rows checked already (in memory only): the staged columns, by name."""
        self.rows.extend(rows)
        self.chunks += 1
        if self._con is not None:  # registered already: the new rows replace the old view
            self.register(con)
        return len(rows)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make the rows staged in memory readable as ``staged_rows`` on ``con`` (``relation``
        names it from then on). A caller that only reads ``rows`` never pays for it."""
        con.register(STAGED_TABLE, pa.Table.from_pylist(self.rows, schema=STAGED_SCHEMA))
        self._con = con

    @property
    def relation(self) -> str:
        """SQL for the staged rows: RECORD_COLUMNS, then reason, field, detail, raw."""
        if self.in_memory and self.chunks:
            if self._con is None:
                raise RuntimeError("staged rows kept in memory: register them first")
            return STAGED_TABLE
        if self.files:
            listing = ", ".join(lit(p.as_posix()) for p in self.files)
            return f"read_parquet([{listing}])"
        types = {**RECORD_SQL_TYPES, **STAGED_EXTRA}
        typed = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in types.items())
        return f"(SELECT {typed} WHERE false)"

    def count_good(self, con: duckdb.DuckDBPyConnection) -> int:
        rows = con.execute(f"SELECT count(*) FROM {self.relation} WHERE reason IS NULL")
        return int(rows.fetchall()[0][0])

    def write_records(self, con: duckdb.DuckDBPyConnection, inline: bool = False) -> int:
        """Write the staged records that are new (the first of any repeats, and not already in
        the workspace); return how many.

        They go out as Parquet parts with exactly RECORD_SCHEMA, sorted by subject in small row
        groups, with the batch's id index beside them; or, ``inline``, into the temporary table
        ``inline_new`` that the commit moves into the catalog's ``inline_records``. Ids already
        present are found first through the sorted id indexes, which reads one row group per
        batch for a small intake instead of every record id.
        """
        columns = ", ".join(f"g.{name}" for name in RECORD_COLUMNS)
        good = f"(SELECT * FROM {self.relation} WHERE reason IS NULL)"
        if inline:
            return self._write_inline(con, good, columns)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_known AS SELECT DISTINCT k.record_id "
            f"FROM {known_ids_relation(self.ws, con)} k SEMI JOIN {good} g "
            "ON k.record_id = g.record_id"
        )
        query = f"""WITH good AS {good}
            SELECT {columns} FROM good g
            WHERE g.row_number IN (SELECT min(row_number) FROM good GROUP BY record_id)
            AND g.record_id NOT IN (SELECT record_id FROM staged_known)
            ORDER BY {", ".join(f"g.{c}" for c in SUBJECT_ORDER.split(", "))}"""
        try:
            written = self._write_parts(con, query)
        finally:
            con.execute("DROP TABLE IF EXISTS staged_known")
        write_id_index(con, self.records_dir)
        return written

    @staticmethod
    def insert_inline(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
        """Insert these staged rows into ``inline_records`` (inside the caller's transaction),
        in the batch order: the small intake's own write, one statement."""
        ordered = sorted(
            rows, key=lambda r: (r["subject_kind"], r["subject_code"] is None,
                                 r["subject_code"] or "", r["record_id"]),
        )  # fmt: skip
        insert_rows(con, "inline_records", ordered, schema=RECORD_SCHEMA)

    def _write_inline(self, con: duckdb.DuckDBPyConnection, good: str, columns: str) -> int:
        """The few new records into ``inline_new``: their ids are looked up one by one, not
        joined against every id index."""
        ids = [str(r) for (r,) in con.execute(f"SELECT DISTINCT record_id FROM {good}").fetchall()]
        known = sorted(known_ids(self.ws, con, ids))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {INLINE_NEW} AS WITH good AS {good}
            SELECT {columns} FROM good g
            WHERE g.row_number IN (SELECT min(row_number) FROM good GROUP BY record_id)
            AND NOT list_contains(?::VARCHAR[], g.record_id)
            ORDER BY {", ".join(f"g.{c}" for c in SUBJECT_ORDER.split(", "))}""",
            [known],
        )
        return len(set(ids) - set(known))

    def _write_parts(self, con: duckdb.DuckDBPyConnection, query: str) -> int:
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
                writer.write_batch(batch.cast(RECORD_SCHEMA), row_group_size=ROW_GROUP_ROWS)
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
