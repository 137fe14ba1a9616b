"""Ingest on Spark: the same plan, checks and batch as on DuckDB, done by the executors.

Each file is read by one task with the ingest's own reader (``readers.py``: CSV lines, JSON
Lines, Parquet, with their row numbers and the lines it cannot read), which also cleans the
mapped values in Arrow (``ChunkPlan.prepare``); the checks are the plan's SQL printed for Spark
(``value_sql.for_engine``), the same definition DuckDB runs. The executors write the checked
rows, then the new records, sorted by subject, as Parquet under the workspace's ``tmp/``; the
driver collects counts only. The catalog (DuckDB) then takes the batch in one transaction, as a
DuckDB ingest does: the quarantine rows are read from the executors' files, the id index is
written beside the records, and the folder is renamed into place. A job that dies leaves only
the staging folder, which the next run removes.

A row's number carries its file: ``file_index * FILE_STRIDE + row``, so the plan's SQL needs no
extra column; the records get the batch-wide number (``first_row`` of their file + row - 1).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credence.birth_regions import REGIONS_TABLE, region_table
from credence.engines.spark_engine import local_session
from credence.errors import IngestError
from credence.ingest import value_sql
from credence.ingest.mapping import SourceMapping
from credence.ingest.pipeline import InputFile, OnFile, Progress, ingest_files, publish_batch
from credence.ingest.plan import CHUNK, SRC, ChunkPlan
from credence.ingest.readers import LINE, PREFIX, ROW, SourceFile, open_source
from credence.ingest.report import FileReport, IngestReport
from credence.ingest.staging import INLINE_MAX_ROWS, INLINE_NEW
from credence.model import RECORD_COLUMNS, RECORD_SCHEMA
from credence.sql import lit
from credence.store import Workspace
from credence.store.batch_files import BatchFile
from credence.store.record_index import id_index_files, parts_of, write_id_index

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


FILE_STRIDE = 1 << 40  # rows a file may hold; a row's number is file_index * FILE_STRIDE + row
BAD_REASON, BAD_DETAIL, BAD_RAW = f"{PREFIX}bad_reason", f"{PREFIX}bad_detail", f"{PREFIX}bad_raw"
UNREADABLE = "__unreadable"
_BLOCK_BYTES = 256 << 10  # Parquet row groups of about this size: one subject, one small read
_SUBJECT_ORDER = ("subject_kind", "subject_code", "record_id")


@dataclass(frozen=True)
class SparkStaged:
    """What the executors wrote for one batch: the checked rows and the new records."""

    rows_dir: Path
    records_dir: Path
    rows_in: int
    good: int
    loaded: int
    by_reason: dict[str, int]
    last_rows: dict[int, int]  # file index -> the highest row number read from it


def session_for_ingest(master: str) -> SparkSession:
    """A session on ``master`` with the settings the ingest's SQL and files rely on."""
    session = local_session(master)
    for key, value in value_sql.SESSION_SETTINGS.items():
        session.conf.set(key, value)
    session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return session


def chunk_schema(plan: ChunkPlan, source: SourceFile) -> pa.Schema:
    """The Arrow schema of a prepared chunk of ``source``, plus the unreadable lines' columns."""
    if source.format == "jsonl":
        empty = pa.table({ROW: pa.array([], pa.int64()), LINE: pa.array([], pa.string())})
    else:
        columns = {name: pa.array([], kind) for name, kind in source.types.items()}
        empty = pa.table({**columns, ROW: pa.array([], pa.int64())})
    schema = plan.prepare(empty).schema
    for name in (BAD_REASON, BAD_DETAIL, BAD_RAW):
        schema = schema.append(pa.field(name, pa.string()))
    return schema


def read_files(
    plan: ChunkPlan, schema: pa.Schema, encoding: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The executors' reader: (file_index, path) rows in, prepared chunks of those files out."""

    def chunks_of(index: int, path: str) -> Iterator[pa.RecordBatch]:
        source = open_source(Path(path), None, encoding)
        offset = index * FILE_STRIDE

        def unreadable() -> Iterator[pa.RecordBatch]:
            lines = source.take_unreadable()
            if lines:
                table = pa.table(
                    {
                        ROW: pa.array([offset + u.row for u in lines], pa.int64()),
                        BAD_REASON: [u.reason for u in lines],
                        BAD_DETAIL: [u.detail for u in lines],
                        BAD_RAW: [json.dumps(u.raw, ensure_ascii=False) for u in lines],
                    }
                )
                yield from _conformed(table, schema).to_batches()

        for chunk in source.chunks():
            yield from unreadable()
            prepared = plan.prepare(chunk)
            rows = pc.add(prepared[ROW], pa.scalar(offset, pa.int64()))
            prepared = prepared.set_column(prepared.schema.get_field_index(ROW), ROW, rows)
            yield from _conformed(prepared, schema).to_batches()
        yield from unreadable()

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for index, path in zip(
                batch.column("file_index").to_pylist(), batch.column("path").to_pylist(),
                strict=True,
            ):
                yield from chunks_of(int(index), str(path))

    return read


def _conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns (missing ones null), in its order."""
    columns = [
        table[field.name].cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def unreadable_sql(plan: ChunkPlan, batch_id: str, ingested_at: datetime) -> str:
    """Staged rows (all bad) for the lines the reader could not read, in the staged columns."""
    m = plan.mapping
    values = {
        "source": lit(m.source),
        "level": lit(m.level),
        "stream": lit(m.stream),
        "batch_id": lit(batch_id),
        "row_number": f"`{ROW}`",
        "ingested_at": f"CAST({lit(ingested_at.isoformat())} AS TIMESTAMP)",
        "reason": f"`{BAD_REASON}`",
        "field": "'row'",
        "detail": f"`{BAD_DETAIL}`",
        "raw": f"`{BAD_RAW}`",
    }
    types = {field.name: _spark_type(field.type) for field in RECORD_SCHEMA}
    select = ", ".join(
        f"{values[c]} AS {c}" if c in values else f"CAST(NULL AS {types.get(c, 'STRING')}) AS {c}"
        for c in [*RECORD_COLUMNS, "reason", "field", "detail", "raw"]
    )
    return f"SELECT {select} FROM {UNREADABLE}"


def _spark_type(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP"
    if pa.types.is_date(kind):
        return "DATE"
    if pa.types.is_floating(kind):
        return "DOUBLE"
    if pa.types.is_integer(kind):
        return "BIGINT"
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    return "STRING"


def stage_on_spark(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    session: SparkSession,
    sources: list[SourceFile],
    mapping: SourceMapping,
    batch_id: str,
    staging_root: Path,
    progress: Progress | None = None,
) -> SparkStaged:
    """Check every row of ``sources`` and write the batch's new records, on the executors."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    first = sources[0]
    plan = ChunkPlan(mapping, first.format, first.types, date.today(), "spark")
    schema = chunk_schema(plan, first)
    for other in sources[1:]:
        if other.format != first.format or chunk_schema(plan, other) != schema:
            raise IngestError(
                f"{other.path} is not like {first.path}: the files of one Spark batch share "
                "one format and one set of columns"
            )
    ingested_at = datetime.now(UTC)
    files = session.createDataFrame(
        [(i, s.path.resolve().as_posix()) for i, s in enumerate(sources)],
        "file_index INT, path STRING",
    ).repartition(len(sources))
    chunks = files.mapInArrow(
        read_files(plan, schema, first.encoding), from_arrow_schema(schema)
    )
    chunks.filter(F.col(BAD_REASON).isNull()).createOrReplaceTempView(CHUNK)
    chunks.filter(F.col(BAD_REASON).isNotNull()).createOrReplaceTempView(UNREADABLE)
    session.createDataFrame(region_table()).createOrReplaceTempView(REGIONS_TABLE)
    staged_sql = plan.staged_sql(batch_id, ingested_at)
    if plan.format == "jsonl":
        staged_sql = f"WITH {SRC} AS ({plan.src_sql()}) SELECT * FROM ({staged_sql})"
    staged = session.sql(value_sql.for_engine(staged_sql, "spark")).unionByName(
        session.sql(unreadable_sql(plan, batch_id, ingested_at))
    )
    rows_dir, records_dir = staging_root / "rows", staging_root / "records"
    with _watched(session, progress, "checking"):
        staged.write.mode("overwrite").parquet(rows_dir.as_uri())
    rows = session.read.parquet(rows_dir.as_uri())
    counts = rows.groupBy(
        F.floor(F.col("row_number") / FILE_STRIDE).cast("int").alias("file"), F.col("reason")
    ).agg(F.count(F.lit(1)).alias("n"), F.max(F.col("row_number") % FILE_STRIDE).alias("last"))
    found = counts.collect()
    by_reason: dict[str, int] = {}
    last_rows: dict[int, int] = {}
    for row in found:
        if row["reason"] is not None:
            by_reason[row["reason"]] = by_reason.get(row["reason"], 0) + int(row["n"])
        last_rows[int(row["file"])] = max(last_rows.get(int(row["file"]), 0), int(row["last"]))
    rows_in = sum(int(r["n"]) for r in found)
    good = rows_in - sum(by_reason.values())
    loaded = _write_records(ws, con, session, rows, last_rows, records_dir, progress)
    return SparkStaged(
        rows_dir, records_dir, rows_in, good, loaded,
        dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))), last_rows,
    )  # fmt: skip


def first_rows(last_rows: dict[int, int], files: int) -> list[int]:
    """The batch-wide number of each file's first row: files follow each other in order."""
    starts, at = [], 1
    for index in range(files):
        starts.append(at)
        at += last_rows.get(index, 0)
    return starts


def _write_records(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    session: SparkSession,
    rows: DataFrame,
    last_rows: dict[int, int],
    records_dir: Path,
    progress: Progress | None,
) -> int:
    """The new good rows (first of any repeats, not already in the workspace), batch-numbered,
    sorted by subject, as Parquet with the records' schema; then the batch's id index."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    starts = first_rows(last_rows, max(last_rows, default=-1) + 1)
    offsets = session.createDataFrame(
        [(i, start - 1) for i, start in enumerate(starts)], "file INT, start BIGINT"
    )
    good = rows.filter(F.col("reason").isNull()).withColumn(
        "file", F.floor(F.col("row_number") / FILE_STRIDE).cast("int")
    ).join(F.broadcast(offsets), "file").withColumn(
        "row_number", F.col("row_number") % FILE_STRIDE + F.col("start")
    )
    first = Window.partitionBy("record_id").orderBy("row_number")
    new = good.withColumn("__n", F.row_number().over(first)).filter(F.col("__n") == 1)
    known = _known_ids(ws, con, session)
    if known is not None:
        new = new.join(known, "record_id", "left_anti")
    types = {field.name: _spark_type(field.type) for field in RECORD_SCHEMA}
    out = new.select(
        *[F.col(c).cast(types[c]).alias(c) for c in RECORD_COLUMNS]
    ).orderBy(*_SUBJECT_ORDER)
    with _watched(session, progress, "writing records"):
        out.write.mode("overwrite").option("parquet.block.size", _BLOCK_BYTES).option(
            "compression", "zstd"
        ).parquet(records_dir.as_uri())
    for extra in records_dir.iterdir():  # _SUCCESS and checksums: the batch holds records only
        if extra.suffix != ".parquet":
            extra.unlink()
    parts = parts_of(records_dir)
    for number, part in enumerate(parts):  # part-00000.parquet ... in their sorted order
        Path(part).rename(records_dir / f"part-{number:05d}.parquet")
    write_id_index(con, records_dir)
    return sum(pq.ParquetFile(p).metadata.num_rows for p in parts_of(records_dir))


def _known_ids(
    ws: Workspace, con: duckdb.DuckDBPyConnection, session: SparkSession
) -> DataFrame | None:
    """The ids the workspace holds already: its batches' id indexes and its inline records."""
    files = [Path(f).resolve().as_posix() for f in id_index_files(ws, con)]
    frames = []
    if files:
        frames.append(session.read.parquet(*files).select("record_id"))
    if ws.has_inline_records(con):
        inline = [r for (r,) in con.execute("SELECT record_id FROM inline_records").fetchall()]
        if inline:
            frames.append(session.createDataFrame([(r,) for r in inline], "record_id STRING"))
    if not frames:
        return None
    known = frames[0]
    for frame in frames[1:]:
        known = known.unionByName(frame)
    return known


def staged_relation(rows_dir: Path, starts: list[int]) -> str:
    """The executors' checked rows as DuckDB reads them for the commit, numbered batch-wide
    (``starts``: each file's first row) as a DuckDB ingest numbers them."""
    starts_sql = ", ".join(f"({i}, {start})" for i, start in enumerate(starts))
    glob = lit((rows_dir / "*.parquet").as_posix())
    return (
        f"(SELECT s.* REPLACE (s.row_number % {FILE_STRIDE} + f.start - 1 AS row_number)"
        f" FROM read_parquet({glob}) s JOIN (VALUES {starts_sql}) f(file_index, start)"
        f" ON f.file_index = s.row_number // {FILE_STRIDE})"
    )


def _inline_new(con: duckdb.DuckDBPyConnection, records_dir: Path) -> None:
    """The few new records into the temporary ``inline_new`` the commit moves into the catalog."""
    parts = parts_of(records_dir)
    body = (
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM read_parquet([{', '.join(map(lit, parts))}])"
        if parts
        else "SELECT * FROM inline_records WHERE false"
    )
    order = ", ".join(_SUBJECT_ORDER)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {INLINE_NEW} AS {body} ORDER BY {order}")


def cleanup(staging_root: Path) -> None:
    shutil.rmtree(staging_root, ignore_errors=True)


class _watched:
    """Report a Spark job's tasks done as progress while it runs (the status tracker, polled)."""

    def __init__(self, session: SparkSession, progress: Progress | None, what: str) -> None:
        self.session, self.progress, self.what = session, progress, what
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _watched:
        if self.progress is not None:
            self.thread = threading.Thread(target=self._poll, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _poll(self) -> None:
        tracker = self.session.sparkContext.statusTracker()
        assert self.progress is not None
        while not self.stop.wait(0.5):
            done = total = 0
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
            if total:
                self.progress(done, total)
        time.sleep(0)


def ingest_files_on_spark(
    ws: Workspace,
    paths: Sequence[Path],
    mapping: SourceMapping,
    master: str = "local[*]",
    progress: Progress | None = None,
) -> IngestReport:
    """``pipeline.ingest_files`` on Spark: the same batch id, records, quarantine and files."""
    return ingest_files(ws, paths, mapping, progress, write=partial(_write_on_spark, master=master))


def _write_on_spark(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    inputs: list[InputFile],
    mapping: SourceMapping,
    report: IngestReport,
    progress: Progress | None,
    on_file: OnFile | None,
    *,
    master: str,
) -> None:
    """Spark's part of ``ingest_files``: the executors check and write, the catalog publishes."""
    root = (ws.temp_dir / f"ingest-{report.batch_id}").resolve()
    cleanup(root)
    try:
        session = session_for_ingest(master)
        sources = [item.source for item in inputs]
        staged = stage_on_spark(ws, con, session, sources, mapping, report.batch_id, root, progress)
        starts = first_rows(staged.last_rows, len(inputs))
        files = tuple(
            BatchFile(i, str(item.path), item.sha256, starts[i], staged.last_rows.get(i, 0))
            for i, item in enumerate(inputs)
        )
        report.files = [FileReport(f.file, f.rows, f.first_row) for f in files]
        report.rows_in = staged.rows_in
        report.loaded = staged.loaded
        report.duplicates = staged.good - staged.loaded
        report.quarantined_by_reason = staged.by_reason
        report.quarantined = sum(staged.by_reason.values())
        inline = staged.good <= INLINE_MAX_ROWS  # as a DuckDB ingest keeps it
        if inline:
            _inline_new(con, staged.records_dir)
        relation = staged_relation(staged.rows_dir, starts)
        records_dir = None if inline else staged.records_dir
        publish_batch(ws, con, inputs, mapping, report, files, relation, records_dir)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {INLINE_NEW}")
        cleanup(root)
