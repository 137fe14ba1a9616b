"""Ingest one file, or many files of one source, as one atomic, idempotent batch of records.

The files are streamed chunk by chunk through the checks (``checks.py``, ``stage.py``) into a
staging folder under the workspace (``staging.py``), their rows numbered batch-wide. Then the
new records (not already in ``records``, first of any repeats) are written as Parquet parts,
their folder is renamed to the batch folder, and one catalog transaction records the batch, its
files (``batch_files``) and its quarantine.
The ``records`` view only reads batches the catalog knows, so a crash before that commit leaves
nothing visible; the next run removes the orphan folder and writes the batch again.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from credence.errors import IngestError
from credence.ingest import quarantine
from credence.ingest.mapping import SourceMapping
from credence.ingest.paths import batch_label, ordered_files
from credence.ingest.readers import SourceFile, fingerprint, open_source
from credence.ingest.registry import register_source
from credence.ingest.report import FileReport, IngestReport
from credence.ingest.stage import stage_file
from credence.ingest.staging import INLINE_MAX_ROWS, INLINE_NEW, Staging
from credence.sql import transaction
from credence.store import Workspace
from credence.store.batch_files import BatchFile, files_of_batches, insert_batch_files
from credence.store.subjects import refresh_subject_index
from credence.store.workspace import INLINE_PATH

# DuckDB's memory for an ingest: its sorts and joins spill to the workspace's tmp/ beyond it, so
# a batch of any size stays under 4 GB (measured: 3.5 GB at 10M rows, 3.8 GB at 100M).
INGEST_MEMORY_LIMIT = "3GB"

__all__ = [
    "BatchRow",
    "FileReport",
    "IngestReport",
    "batch_id_for",
    "commit_batch",
    "fingerprint",
    "ingest_file",
    "ingest_files",
    "publish_batch",
    "stage_file",
    "write_batch",
]

Progress = Callable[[int, int | None], None]  # (rows done, rows expected, when known)
OnFile = Callable[[int, Path], None]  # told each file as its reading starts: (index, path)


@dataclass(frozen=True)
class BatchRow:
    """The catalog rows that make a batch visible: its ``batches`` row and its files."""

    batch_id: str
    source: str
    file: str
    file_sha256: str
    path: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    files: tuple[BatchFile, ...] = ()


@dataclass(frozen=True)
class InputFile:
    """A file of the batch, fingerprinted and opened (its columns checked) before any write."""

    path: Path
    sha256: str
    source: SourceFile


WriteBatch = Callable[
    [
        Workspace,
        duckdb.DuckDBPyConnection,
        list[InputFile],
        SourceMapping,
        IngestReport,
        Progress | None,
        OnFile | None,
    ],
    None,
]


def batch_id_for(source: str, file_sha256: str) -> str:
    """The batch of a file's content for a source: the same bytes are always the same batch."""
    return hashlib.sha256(f"{source}\x1f{file_sha256}".encode()).hexdigest()[:32]


def files_batch_id(source: str, shas: Sequence[str]) -> str:
    """The batch of files' contents in batch order: one file keeps ``batch_id_for``'s id (so
    workspaces keep theirs); several hash the source and each file's SHA-256, in order."""
    if len(shas) == 1:
        return batch_id_for(source, shas[0])
    joined = "\x1f".join(shas)
    return hashlib.sha256(f"{source}\x1ffiles\x1f{joined}".encode()).hexdigest()[:32]


def files_sha256(shas: Sequence[str]) -> str:
    """``batches.file_sha256``: the file's own, or for several the SHA-256 of theirs in order
    (each file's own is in ``batch_files``)."""
    if len(shas) == 1:
        return shas[0]
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


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
    return ingest_files(ws, [Path(path)], mapping, progress, con)


def ingest_files(
    ws: Workspace,
    paths: Sequence[Path],
    mapping: SourceMapping,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    on_file: OnFile | None = None,
    write: WriteBatch | None = None,
) -> IngestReport:
    """Load files of one source as one batch: every row goes in or to quarantine, or nothing
    does. The files are taken sorted by path, each once, so the same files in any order are
    the same batch; every file is opened and its columns checked before anything is written.
    ``write`` is the engine's part (DuckDB's when not given): it checks and writes the batch's
    rows and ends with ``publish_batch``; the opening and the answer are the same for all.
    """
    started = time.perf_counter()
    files = ordered_files(paths)
    if not files:
        raise IngestError("no file to ingest")
    inputs = open_inputs(files, mapping)
    batch_id = files_batch_id(mapping.source, [item.sha256 for item in inputs])
    report = IngestReport(mapping.source, batch_label(files), batch_id)
    report.files = [FileReport(str(item.path)) for item in inputs]
    db = ws.connect(memory_limit=INGEST_MEMORY_LIMIT) if con is None else con
    try:
        if is_committed(db, batch_id):
            register_source(db, mapping)
            report.already_ingested = True
            known = files_of_batches(db, [batch_id]).get(batch_id, [])
            if len(known) == len(report.files):
                report.files = [FileReport(r.file, f.rows, f.first_row)
                                for r, f in zip(report.files, known, strict=True)]  # fmt: skip
        else:
            target = ws.batch_dir(batch_id)
            if target.exists():  # an orphan: written by a run that died before its commit
                shutil.rmtree(target)
            (write or _ingest_batch)(ws, db, inputs, mapping, report, progress, on_file)
            ws.refresh_records_view(db)
            refresh_subject_index(ws, db)
    finally:
        if con is None:
            db.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def open_inputs(paths: Sequence[Path], mapping: SourceMapping) -> list[InputFile]:
    """Fingerprint and open every file and check it has the mapping's columns: a file that
    cannot be read fails the whole ingest, naming it, before anything is written."""
    inputs = []
    for path in paths:
        digest = fingerprint(path)
        source = open_source(path, digest.lines, mapping.encoding)
        check_columns(source, mapping)
        inputs.append(InputFile(path, digest.sha256, source))
    return inputs


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
    inputs: list[InputFile],
    mapping: SourceMapping,
    report: IngestReport,
    progress: Progress | None,
    on_file: OnFile | None,
) -> None:
    """DuckDB's part of ``ingest_files``: stage the files, write the new records, publish."""
    totals = [item.source.total_rows for item in inputs]
    total = None if None in totals else sum(t or 0 for t in totals)
    small = total is not None and total <= INLINE_MAX_ROWS
    staging = Staging(ws, report.batch_id, in_memory=small)
    staging.reset(con)
    try:
        files = _stage_files(con, inputs, mapping, report, staging, progress, total, on_file)
        if staging.in_memory:
            staging.register(con)
        good = staging.count_good(con)
        inline = good <= INLINE_MAX_ROWS
        report.loaded = staging.write_records(con, inline=inline)
        report.duplicates = good - report.loaded
        report.quarantined_by_reason = quarantine.staged_by_reason(con, staging.relation)
        report.quarantined = sum(report.quarantined_by_reason.values())
        records_dir = None if inline else staging.records_dir
        publish_batch(ws, con, inputs, mapping, report, tuple(files), staging.relation, records_dir)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {INLINE_NEW}")
        staging.cleanup(con)


def publish_batch(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    inputs: list[InputFile],
    mapping: SourceMapping,
    report: IngestReport,
    files: tuple[BatchFile, ...],
    staged: str,
    records_dir: Path | None,
) -> None:
    """The end every engine shares: the new records' folder renamed to the batch folder (none
    when the records wait inline in ``inline_new``), then one commit of the batch row, its
    files and its quarantine (read from ``staged``), made from the filled ``report``."""
    inline = records_dir is None
    target = ws.batch_dir(report.batch_id)
    if records_dir is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        records_dir.rename(target)
    batch = BatchRow(
        report.batch_id,
        mapping.source,
        report.file,
        files_sha256([item.sha256 for item in inputs]),
        INLINE_PATH if inline else target.relative_to(ws.root).as_posix(),
        report.rows_in,
        report.loaded,
        report.quarantined,
        report.duplicates,
        files,
    )
    commit_batch(con, batch, mapping, staged, inline=inline)


def _stage_files(
    con: duckdb.DuckDBPyConnection,
    inputs: list[InputFile],
    mapping: SourceMapping,
    report: IngestReport,
    staging: Staging,
    progress: Progress | None,
    total: int | None,
    on_file: OnFile | None,
) -> list[BatchFile]:
    """Stage the files in order, each numbered on from the rows of those before it."""
    ingested_at, today = datetime.now(UTC), date.today()

    def tick(done: int) -> None:
        if progress is not None:
            progress(done, total)

    files: list[BatchFile] = []
    first_row = 1
    for index, item in enumerate(inputs):
        if on_file is not None:
            on_file(index, item.path)
        reached = stage_file(
            con, item.source, mapping, report, staging, tick, first_row, ingested_at, today
        )
        files.append(BatchFile(index, str(item.path), item.sha256, first_row, reached))
        report.files[index] = FileReport(str(item.path), reached, first_row)
        first_row += reached
    if progress is not None:
        progress(report.rows_in, report.rows_in)
    return files


def commit_batch(
    con: duckdb.DuckDBPyConnection,
    batch: BatchRow,
    mapping: SourceMapping,
    staged: str,
    inline: bool = False,
) -> None:
    """One transaction: the batch row, its files, its quarantine rows (from ``staged``), the
    mapping, and for an ``inline`` batch its records (from the temporary table ``inline_new``)."""
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
    insert_batch_files(con, batch.batch_id, batch.files)
    if batch.rows_quarantined:
        assert staged is not None, "quarantined rows are copied from the staged relation"
        quarantine.insert_staged(con, staged, batch.batch_id, batch.source, batch.file, batch.files)
    if not registered:
        register_source(con, mapping)
