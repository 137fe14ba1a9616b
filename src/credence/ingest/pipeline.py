"""Ingest one file as one atomic, idempotent batch of Parquet records.

The file is streamed chunk by chunk through the checks (``checks.py``); good rows and bad rows
collect in temporary tables. Then the new records (not already in ``records``, first of any
repeats) are written as Parquet into a temporary folder under the workspace, the folder is
renamed to the batch folder, and one catalog transaction records the batch and its quarantine.
The ``records`` view only reads batches the catalog knows, so a crash before that commit leaves
nothing visible; the next run removes the orphan folder and writes the batch again.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credence.errors import IngestError
from credence.ingest import quarantine
from credence.ingest.codes import CodeBook, category_table
from credence.ingest.mapping import SourceMapping
from credence.ingest.plan import CATS, CHUNK, CODES, SRC, STAGED_EXTRA, ChunkPlan
from credence.ingest.readers import SourceFile, fingerprint, open_source
from credence.ingest.registry import register_source
from credence.model import RECORD_COLUMNS, RECORD_SCHEMA, RECORD_SQL_TYPES
from credence.store import Workspace
from credence.store.subjects import refresh_subject_index

Progress = Callable[[int, int | None], None]

STAGED = "__staged"
PART_ROWS = 4_000_000
READ_BATCH_ROWS = 262_144


@dataclass
class IngestReport:
    """What one ingest did: rows read, loaded, skipped as duplicates, quarantined and why."""

    source: str
    file: str
    batch_id: str
    rows_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    already_ingested: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BatchRow:
    """The catalog row that makes a batch visible."""

    batch_id: str
    source: str
    file: str
    file_sha256: str
    path: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int


def batch_id_for(source: str, file_sha256: str) -> str:
    """The batch of a file's content for a source: the same bytes are always the same batch."""
    return hashlib.sha256(f"{source}\x1f{file_sha256}".encode()).hexdigest()[:32]


def is_committed(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    rows = con.execute("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]).fetchall()
    return bool(rows[0][0])


def ingest_file(
    ws: Workspace, path: Path, mapping: SourceMapping, progress: Progress | None = None
) -> IngestReport:
    """Load one CSV / JSON Lines / Parquet file of a source: every row goes in or to quarantine."""
    started = time.perf_counter()
    path = Path(path)
    print_name = str(path)
    digest = fingerprint(path)
    source_file = open_source(path, digest.lines)
    _check_columns(source_file, mapping)
    batch_id = batch_id_for(mapping.source, digest.sha256)
    report = IngestReport(mapping.source, print_name, batch_id)
    con = ws.connect()
    try:
        if is_committed(con, batch_id):
            register_source(con, mapping)
            report.already_ingested = True
        else:
            _ingest_batch(ws, con, source_file, mapping, report, digest.sha256, progress)
    finally:
        con.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _check_columns(source: SourceFile, mapping: SourceMapping) -> None:
    if source.columns is None:
        return
    missing = [name for name in mapping.columns() if name not in source.columns]
    if missing:
        raise IngestError(
            f"{source.path} lacks column(s) {', '.join(missing)} that mapping "
            f"'{mapping.source}' reads; its columns are: {', '.join(source.columns)}"
        )


def _ingest_batch(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    mapping: SourceMapping,
    report: IngestReport,
    sha: str,
    progress: Progress | None,
) -> None:
    target = ws.batch_dir(report.batch_id)
    if target.exists():  # an orphan: written by a run that died before its commit
        shutil.rmtree(target)
    staging = ws.temp_dir / f"ingest-{report.batch_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _stage(con, source, mapping, report, progress)
        good = _count(con, f"{STAGED} WHERE reason IS NULL")
        report.loaded = _write_parts(con, staging)
        report.duplicates = good - report.loaded
        report.quarantined_by_reason = quarantine.staged_by_reason(con, STAGED)
        report.quarantined = sum(report.quarantined_by_reason.values())
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
        batch = BatchRow(
            report.batch_id,
            mapping.source,
            report.file,
            sha,
            target.relative_to(ws.root).as_posix(),
            report.rows_in,
            report.loaded,
            report.quarantined,
            report.duplicates,
        )
        commit_batch(con, batch, mapping)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        con.execute(f"DROP TABLE IF EXISTS {STAGED}")
    ws.refresh_records_view(con)
    refresh_subject_index(ws, con)


def _stage(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    mapping: SourceMapping,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Check every chunk into the staging table: one row per input row, good or bad."""
    columns = ", ".join(f"{c} {t}" for c, t in {**RECORD_SQL_TYPES, **STAGED_EXTRA}.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGED} ({columns})")
    plan = ChunkPlan(mapping, source.format, source.types, date.today())
    staged_sql = plan.staged_sql(report.batch_id, datetime.now(UTC))
    codebook = CodeBook(con)
    try:
        for chunk in source.chunks():
            _stage_chunk(con, plan, codebook, plan.prepare(chunk), staged_sql)
            report.rows_in = _count(con, STAGED)
            if progress is not None:
                progress(report.rows_in, source.total_rows)
    finally:
        codebook.close()
    if progress is not None:
        progress(report.rows_in, report.rows_in)


def _stage_chunk(
    con: duckdb.DuckDBPyConnection,
    plan: ChunkPlan,
    codebook: CodeBook,
    chunk: pa.Table,
    staged_sql: str,
) -> None:
    """Register the chunk and its lookups (Arrow tables), then stage its rows in one INSERT."""
    con.register(CHUNK, chunk)
    try:
        src_sql = plan.src_sql()
        if src_sql is not None:
            con.register(SRC, con.sql(src_sql).to_arrow_table())
        pairs_sql = plan.code_pairs_sql()
        if pairs_sql is not None:
            con.register(CODES, codebook.lookup(pairs_sql))
        categories_sql = plan.categories_sql()
        if categories_sql is not None:
            values = [value for (value,) in con.execute(categories_sql).fetchall()]
            con.register(CATS, category_table(values))
        con.execute(f"INSERT INTO {STAGED} {staged_sql}").fetchall()
    finally:
        for name in (CHUNK, SRC, CODES, CATS):
            con.unregister(name)


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])


def _write_parts(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Write the staged records that are new (first of any repeats) as Parquet parts with
    exactly RECORD_SCHEMA; return how many were written."""
    columns = ", ".join(f"g.{name}" for name in RECORD_COLUMNS)
    query = f"""SELECT {columns} FROM {STAGED} g
        WHERE g.reason IS NULL
        AND g.row_number IN (
            SELECT min(row_number) FROM {STAGED} WHERE reason IS NULL GROUP BY record_id)
        AND NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = g.record_id)"""
    written = in_part = part = 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in con.sql(query).to_arrow_reader(READ_BATCH_ROWS):
            if batch.num_rows == 0:
                continue
            if writer is None or in_part >= PART_ROWS:
                if writer is not None:
                    writer.close()
                writer = pq.ParquetWriter(
                    folder / f"part-{part:05d}.parquet", RECORD_SCHEMA, compression="zstd"
                )
                part, in_part = part + 1, 0
            writer.write_batch(batch.cast(RECORD_SCHEMA))
            written += batch.num_rows
            in_part += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    return written


def commit_batch(con: duckdb.DuckDBPyConnection, batch: BatchRow, mapping: SourceMapping) -> None:
    """One transaction: the batch row, its quarantine rows and the source's mapping."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [
                batch.batch_id,
                batch.source,
                batch.file,
                batch.file_sha256,
                batch.path,
                batch.rows_in,
                batch.rows_loaded,
                batch.rows_quarantined,
                batch.rows_duplicate,
            ],
        )
        quarantine.insert_staged(con, STAGED, batch.batch_id, batch.source, batch.file)
        register_source(con, mapping)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
