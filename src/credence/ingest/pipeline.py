"""Ingest one file as one atomic, idempotent batch of Parquet records.

The file is streamed chunk by chunk through the checks (``checks.py``) into a staging folder
under the workspace (``staging.py``). Then the new records (not already in ``records``, first
of any repeats) are written as Parquet parts, their folder is renamed to the batch folder, and
one catalog transaction records the batch and its quarantine.
The ``records`` view only reads batches the catalog knows, so a crash before that commit leaves
nothing visible; the next run removes the orphan folder and writes the batch again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from credence.errors import IngestError
from credence.ingest import prepared, quarantine
from credence.ingest.mapping import SourceMapping
from credence.ingest.plan import CHUNK, SRC, ChunkPlan
from credence.ingest.readers import SourceFile, Unreadable, fingerprint, open_source
from credence.ingest.registry import register_source
from credence.ingest.staging import INLINE_MAX_ROWS, INLINE_NEW, STAGED_SCHEMA, Staging
from credence.sql import transaction
from credence.store import Workspace
from credence.store.subjects import refresh_subject_index
from credence.store.workspace import INLINE_PATH

Progress = Callable[[int, int | None], None]


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
    """Whether the catalog holds this batch (and so the records view shows it)."""
    rows = con.execute("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]).fetchall()
    return bool(rows[0][0])


def ingest_file(
    ws: Workspace,
    path: Path,
    mapping: SourceMapping,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> IngestReport:
    """Load one CSV / JSON Lines / Parquet file of a source: every row goes in or to quarantine.

    ``con`` lets a long-lived caller (the service) lend its own connection to the catalog.
    """
    started = time.perf_counter()
    path = Path(path)
    digest = fingerprint(path)
    source_file = open_source(path, digest.lines, mapping.encoding)
    check_columns(source_file, mapping)
    batch_id = batch_id_for(mapping.source, digest.sha256)
    report = IngestReport(mapping.source, str(path), batch_id)
    db = ws.connect() if con is None else con
    try:
        if is_committed(db, batch_id):
            register_source(db, mapping)
            report.already_ingested = True
        else:
            _ingest_batch(ws, db, source_file, mapping, report, digest.sha256, progress)
    finally:
        if con is None:
            db.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def check_columns(source: SourceFile, mapping: SourceMapping) -> None:
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
    small = source.total_rows is not None and source.total_rows <= INLINE_MAX_ROWS
    staging = Staging(ws, report.batch_id, in_memory=small)
    staging.reset(con)
    try:
        stage_file(con, source, mapping, report, staging, progress)
        if staging.in_memory:
            staging.register(con)
        good = staging.count_good(con)
        inline = good <= INLINE_MAX_ROWS
        report.loaded = staging.write_records(con, inline=inline)
        report.duplicates = good - report.loaded
        report.quarantined_by_reason = quarantine.staged_by_reason(con, staging.relation)
        report.quarantined = sum(report.quarantined_by_reason.values())
        if not inline:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging.records_dir.rename(target)
        batch = BatchRow(
            report.batch_id,
            mapping.source,
            report.file,
            sha,
            INLINE_PATH if inline else target.relative_to(ws.root).as_posix(),
            report.rows_in,
            report.loaded,
            report.quarantined,
            report.duplicates,
        )
        commit_batch(con, batch, mapping, staging.relation, inline=inline)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {INLINE_NEW}")
        staging.cleanup(con)
    ws.refresh_records_view(con)
    refresh_subject_index(ws, con)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    mapping: SourceMapping,
    report: IngestReport,
    staging: Staging,
    progress: Progress | None,
) -> None:
    """Check every chunk into the staging folder: one row per input row, good or bad."""
    plan = ChunkPlan(mapping, source.format, source.types, date.today())
    ingested_at = datetime.now(UTC)
    staged_sql = plan.staged_sql(report.batch_id, ingested_at)
    if plan.format == "jsonl":  # the lines' values extracted in the same statement
        staged_sql = f"WITH {SRC} AS ({plan.src_sql()}) SELECT * FROM ({staged_sql})"

    def set_aside() -> None:
        lines = source.take_unreadable()
        report.rows_in += staging.add_rows(con, unreadable_rows(plan, lines, report.batch_id))

    for chunk in source.chunks():
        set_aside()
        if staging.in_memory and prepared.can_prepare(plan, chunk):  # a few rows, as posted
            rows = prepared.staged_rows(con, plan, chunk, report.batch_id, ingested_at)
            report.rows_in += staging.extend(con, rows)
            continue
        con.register(CHUNK, plan.prepare(chunk))
        try:
            report.rows_in += staging.add(con, staged_sql)
        finally:
            con.unregister(CHUNK)
        if progress is not None:
            progress(report.rows_in, source.total_rows)
    set_aside()
    if progress is not None:
        progress(report.rows_in, report.rows_in)


def unreadable_rows(
    plan: ChunkPlan, lines: list[Unreadable], batch_id: str
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
            "row_number": line.row,
            "reason": line.reason,
            "field": "row",
            "detail": line.detail,
            "raw": json.dumps(line.raw, ensure_ascii=False),  # the line, as a JSON string
        }
        for line in lines
    ]


def commit_batch(
    con: duckdb.DuckDBPyConnection,
    batch: BatchRow,
    mapping: SourceMapping,
    staged: str,
    inline: bool = False,
) -> None:
    """One transaction: the batch row, its quarantine rows (from ``staged``), the mapping, and
    for an ``inline`` batch its records (from the temporary table ``inline_new``)."""
    with transaction(con):
        write_batch(con, batch, mapping, staged, inline)


def write_batch(
    con: duckdb.DuckDBPyConnection,
    batch: BatchRow,
    mapping: SourceMapping,
    staged: str | None,
    inline: bool = False,
    registered: bool = False,
) -> None:
    """What ``commit_batch`` writes, inside the caller's transaction (``registered``: the
    mapping is the catalog's own, so there is nothing to register)."""
    if inline:
        con.execute(f"INSERT INTO inline_records SELECT * FROM {INLINE_NEW}")
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
    if batch.rows_quarantined:
        assert staged is not None, "quarantined rows are copied from the staged relation"
        quarantine.insert_staged(con, staged, batch.batch_id, batch.source, batch.file)
    if not registered:
        register_source(con, mapping)
