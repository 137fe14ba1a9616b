"""Apache Spark behind the same seam: the plan compiled once, printed in Spark SQL, run on Spark.

PySpark is imported lazily: a machine without it gets an error naming the extra to install.
Inputs are the workspace's committed Parquet batches and the catalog tables the plan reads
(subjects, decisions, links), which the catalog writes as Parquet beside them: the executors
read them all, and write the results as Parquet datasets into the run's folder (each file sorted
by subject). The driver plans and counts; no row passes through it either way.

One shuffle for the whole plan. The record-local steps (``Step.local``: a record at a time,
joined with small tables by broadcast) are planned over the records as they are read; what they
keep crosses one exchange, hash-partitioned by ``(subject_kind, subject_code)``, with the
subjects table (one union, split again after it), so both come out in the same partitions. The
records themselves cross it only if a step keyed by subject reads them. That frame is cached,
and so is every later step: a cached frame keeps the partitioning of the plan that built it, and
filters, projections, per-subject groupings, windows, unions and joins on the subject keep it
too, so Spark adds no exchange later, whether it joins two per-subject tables by broadcast or
merge. Everything keyed otherwise (requirements, kind map, measures, record decisions, links) is
small and broadcast by an explicit hint, whatever Spark estimates its size to be. Adaptive
execution stays on; the engine pins the two session settings the partitioning relies on.

Caching every step, rather than writing bucketed tables or fusing steps, keeps the seam as it
was (one SQL statement per step) and needs no warehouse. A ruleset with kind prefixes adds one
small exchange, by kind, of the distinct kinds seen. ``shuffle_report`` counts the exchanges of
each materialised step from Spark's executed (final) plans.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from credence.engines.base import ResultSink, StepProgress
from credence.errors import CredenceError
from credence.model import RECORD_COLUMNS, RESULT_SCHEMAS, RESULT_TABLES
from credence.rules.compile import Plan
from credence.store.inputs import LINKS, RAW, RunInputs, records_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SUBJECT_KEYS = ("subject_kind", "subject_code")
# Catalog tables keyed by subject: they travel with the records in the one exchange.
BY_SUBJECT = frozenset({"subjects"})
# Plan steps keyed otherwise (constants, and decisions by record id): broadcast where joined.
SMALL_STEPS = frozenset({"cr_requirements", "cr_measures", "cr_kind_map", "cr_overrides"})
# Settings the single shuffle relies on, applied to the engine's session.
SESSION_SETTINGS = {
    # adaptive execution may not re-cut the partitions of a cached step: later steps rely on them
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "false",
    # a join on (subject, more keys) may reuse partitions cut by the subject alone
    "spark.sql.requireAllClusterKeysForCoPartition": "false",
}
INPUTS = "cr_inputs"  # the cached, exchanged union of the records and the subject-keyed tables
# The catalog's column types as Spark casts them, so a run's files read as the catalog's tables.
SPARK_TYPES = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "DOUBLE": "double",
               "BOOLEAN": "boolean", "DATE": "date"}  # fmt: skip
# Row groups of about a megabyte: one subject's rows, sorted, are found in one of them.
ROW_GROUP_BYTES = 1 << 20
_ORIGIN = "credence_origin"  # which input a row of the exchanged union came from

def _spark() -> Any:
    try:
        import pyspark.sql
    except ImportError as error:  # pragma: no cover - depends on the machine
        raise CredenceError(
            "the Spark engine needs PySpark and Java: pip install 'credence[spark]' "
            "(and a Java 17+ runtime)"
        ) from error
    return pyspark.sql


EXECUTOR_MEMORY = "1g"  # fits a worker of `credence cluster start` (2g by default)


def local_session(
    master: str = "local[*]", memory: str = "4g", event_log: Path | None = None
) -> SparkSession:
    """A Spark session on ``master`` (``local[*]`` or a cluster's ``spark://`` URL), quiet and
    in UTC so dates mean what DuckDB's mean. A cluster out of reach is a clear error at once,
    not Spark's minute of retries. With ``event_log``, Spark writes its event log there (stage
    times: see ``bench/``); a session already running keeps its own settings."""
    sql = _spark()
    check_master(master)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only: nothing leaves the box
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local tasks run Credence's Python
    running = _running_context()
    if running is not None and running.master != master:
        running.stop()  # one context a process: the master asked for is the one used
    builder = sql.SparkSession.builder
    if event_log is not None:
        event_log.mkdir(parents=True, exist_ok=True)
        builder = builder.config("spark.eventLog.enabled", "true").config(
            "spark.eventLog.dir", event_log.resolve().as_uri()
        ).config("spark.eventLog.rolling.enabled", "false").config(
            "spark.eventLog.compress", "false"  # one plain JSON-lines file, read by bench/
        )
    session = (
        builder.master(master)
        .appName("credence")
        .config("spark.driver.memory", memory)
        .config("spark.executor.memory", EXECUTOR_MEMORY)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _running_context() -> Any:
    from pyspark import SparkContext

    return SparkContext._active_spark_context


def stop_session() -> None:
    """Stop this process's Spark application, if it runs (from any thread): on a standalone
    cluster an idle application keeps the cores it was given, and another waits for them."""
    running = _running_context()
    if running is not None:
        running.stop()


def check_master(master: str, timeout: float = 3.0) -> None:
    """Refuse a ``spark://`` master that answers on none of its addresses, naming it."""
    if not master.startswith("spark://"):
        return
    problems = []
    for address in master[len("spark://") :].split(","):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise CredenceError(f"the Spark master URL {master!r} is not spark://HOST:PORT")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout):
                return
        except OSError as error:
            problems.append(f"{address}: {error.strerror or error}")
    raise CredenceError(
        f"cannot reach the Spark master {master} ({'; '.join(problems)}): start a cluster with "
        "`credence cluster start` (`credence cluster status` prints its URL), or check the URL"
    )


class SparkEngine:
    """Runs plans on a Spark session; every step becomes a cached temporary view.

    The session's settings in ``SESSION_SETTINGS`` are set on it, for every query it runs.
    """

    name = "spark"
    dialect = "spark"

    def __init__(
        self,
        session: SparkSession,
        catalog: duckdb.DuckDBPyConnection | None = None,
        scratch: Path | None = None,
    ) -> None:
        self.spark = session
        self.catalog = catalog  # where the catalog's inputs (links, subjects, decisions) are read
        self.scratch = scratch  # where they are written for the executors (on a shared disk)
        for key, value in SESSION_SETTINGS.items():
            session.conf.set(key, value)
        self._records: DataFrame | None = None
        self._by_subject: dict[str, DataFrame] = {}

    @property
    def partitions(self) -> int:
        """How many parts the one exchange cuts, and so how many files each result table has:
        the session's shuffle partitions (a number, so adaptive execution keeps them all)."""
        return int(self.spark.conf.get("spark.sql.shuffle.partitions") or 200)

    def run(
        self,
        plan: Plan,
        inputs: RunInputs,
        sink: ResultSink,
        progress: StepProgress | None = None,
    ) -> None:
        """Run the plan over the inputs as files and write each result where the sink says,
        from the executors."""
        if self.catalog is None or self.scratch is None:
            raise CredenceError("internal: a Spark run needs the catalog and a scratch folder")
        folder = self.scratch / f"spark-inputs-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        try:
            handed = self._hand_over(inputs, folder)
            self.register_records(list(inputs.as_files), handed.get(LINKS), inputs)
            for name in ("subjects", "record_overrides"):
                self.register_frame(name, self.spark.read.parquet(handed[name]))
            self.run_plan(plan, progress)
            kept = _partitions_kept(self.spark, plan)
            sink.dataset_partitions(self.partitions)
            for index, name in enumerate(RESULT_TABLES):
                if progress:
                    progress(f"writing {name}", index, len(RESULT_TABLES))
                self.write_result(name, sink.dataset_folder(name), kept)
                sink.dataset_written(name)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _hand_over(self, inputs: RunInputs, folder: Path) -> dict[str, str]:
        """The catalog's inputs of the run, written by the catalog as Parquet files."""
        assert self.catalog is not None
        queries = {"subjects": inputs.subjects_sql(), "record_overrides": inputs.overrides_sql()}
        if inputs.links:
            queries[LINKS] = inputs.links_sql()
        files = {}
        for name, sql in queries.items():
            files[name] = (folder / f"{name}.parquet").as_posix()
            self.catalog.execute(f"COPY ({sql}) TO '{files[name]}' (FORMAT parquet)")
        return files

    def write_result(self, name: str, folder: Path, kept: bool = False) -> None:
        """One result table as a Parquet dataset in ``folder``, in the catalog's column types,
        part ``i`` holding the subjects of hash part ``i`` (``store/layout.py``), each file sorted
        by subject. When the plan ``kept`` the exchange's partitions, the table is written as it
        lies (no exchange); otherwise it is cut by subject again first."""
        from pyspark.sql import functions as f

        columns = [f.col(c).cast(SPARK_TYPES[t]).alias(c) for c, t in RESULT_SCHEMAS[name]]
        self.spark.sparkContext.setJobDescription(f"credence writing {name}")
        frame = self.spark.table(name)
        if not (kept and frame.rdd.getNumPartitions() == self.partitions):
            frame = frame.repartition(self.partitions, *SUBJECT_KEYS)
        (
            frame.select(*columns)
            .sortWithinPartitions(*SUBJECT_KEYS)
            .write.option("compression", "zstd")
            .option("parquet.block.size", ROW_GROUP_BYTES)
            .parquet(folder.as_posix())
        )

    def close(self) -> None:
        """The session is shared by the process (Spark keeps one): left running for the next."""

    def register_records(
        self,
        files: list[str],
        links: pa.Table | str | None = None,
        inputs: RunInputs | None = None,
    ) -> None:
        """``records`` over the Parquet batches, code-less rows resolved by their active links
        (the run inputs' own tree, printed in Spark SQL).

        Nothing is read yet: ``run_plan`` exchanges the columns its plan names, with the subjects.
        """
        if files:
            raw = self.spark.read.parquet(*files).select(*RECORD_COLUMNS)
        else:
            raw = self.spark.createDataFrame([], self._record_schema())
        if links is None or (isinstance(links, pa.Table) and links.num_rows == 0):
            self._records = raw
            return
        raw.createOrReplaceTempView(RAW)
        if isinstance(links, str):
            self.register_frame(LINKS, self.spark.read.parquet(links))
        else:
            self.register_table(LINKS, links)
        known_at = inputs.known_at if inputs is not None else None
        self._records = self.spark.sql(records_sql(self.dialect, known_at, True))

    def register_table(self, name: str, table: pa.Table) -> None:
        """A catalog table handed over from Arrow (tests; a run hands over files)."""
        self.register_frame(name, self.spark.createDataFrame(table))

    def register_frame(self, name: str, frame: DataFrame) -> None:
        """A catalog table (subjects, decisions, links) as Spark reads it.

        The subjects wait for the records' exchange; any other table is broadcast where it is
        joined, and kept in one partition so a step grouping it needs no exchange either.
        """
        if name in BY_SUBJECT:
            self._by_subject[name] = frame
            return
        _broadcast(frame.coalesce(1)).createOrReplaceTempView(name)

    def run_plan(self, plan: Plan, progress: StepProgress | None = None) -> None:
        """Every step in order. Record-local steps are planned over the records where they are
        read; at the first step keyed by subject, what they keep crosses the one exchange with
        the subject-keyed tables (``_exchange``); each step after it is cached."""
        _release(self.spark, plan)
        records = self._records_view(plan)
        local: dict[str, DataFrame] = {}
        exchanged = False
        for index, step in enumerate(plan.steps):
            if progress:
                progress(step.name, index, len(plan.steps))
            if step.local:
                if exchanged:
                    raise CredenceError(f"internal: record-local step {step.name} after a step "
                                        "keyed by subject")  # fmt: skip
                local[step.name] = self.spark.sql(step.sql(self.dialect))
                local[step.name].createOrReplaceTempView(step.name)
                continue
            if not exchanged and step.name not in SMALL_STEPS:
                self._exchange(local, records, plan)
                exchanged = True
            self.spark.sparkContext.setJobDescription(f"credence {step.name}")
            frame = _materialise(self.spark.sql(step.sql(self.dialect)))
            view = _broadcast(frame) if step.name in SMALL_STEPS else frame
            view.createOrReplaceTempView(step.name)
        if not exchanged:
            self._exchange(local, records, plan)
        if progress:
            progress("done", len(plan.steps), len(plan.steps))

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        if params:
            raise CredenceError("the Spark engine takes no query parameters")
        return [row.asDict() for row in self.spark.sql(sql).collect()]

    def _records_view(self, plan: Plan) -> DataFrame:
        """``records`` as read, before any exchange: only the kinds some step can read, and (when
        only record-local steps read them) only the days each kind can count on."""
        from pyspark.sql import functions as f

        if self._records is None:
            self.register_records([])
        assert self._records is not None
        records = self._records
        if plan.record_kinds is not None:
            wanted = f.col("kind").isin(sorted(plan.record_kinds))
            for prefix in plan.record_kind_prefixes:
                wanted = wanted | f.col("kind").startswith(prefix)
            records = records.where(wanted)
        readers = _reads_records(plan)
        if plan.record_since and not plan.record_kind_prefixes and all(
            step.local for step in plan.steps if step.name in readers
        ):
            records = records.where(_within_reach(plan))
        records.createOrReplaceTempView("records")
        return records

    def _exchange(self, local: dict[str, DataFrame], records: DataFrame, plan: Plan) -> None:
        """The one exchange: what the record-local steps keep, and the subject-keyed tables,
        together, by subject. The records themselves cross it only when a step keyed by subject
        reads them (only the columns the plan names)."""
        from pyspark.sql import functions as f

        inputs = {**local, **self._by_subject}
        if any(not step.local for step in plan.steps if step.name in _reads_records(plan)):
            inputs["records"] = records.select(*record_columns(plan))
        tagged = [frame.withColumn(_ORIGIN, f.lit(name)) for name, frame in inputs.items()]
        union = tagged[0]
        for frame in tagged[1:]:
            union = union.unionByName(frame, allowMissingColumns=True)
        self.spark.sparkContext.setJobDescription(f"credence {INPUTS}")
        exchanged = _materialise(union.repartition(self.partitions, *SUBJECT_KEYS))
        exchanged.createOrReplaceTempView(INPUTS)
        for name, frame in inputs.items():
            part = exchanged.where(f.col(_ORIGIN) == name).select(*frame.columns)
            part.createOrReplaceTempView(name)

    def _record_schema(self) -> Any:
        from pyspark.sql.types import (
            DateType,
            DoubleType,
            LongType,
            StringType,
            StructField,
            StructType,
            TimestampType,
        )

        types = {"occurred_at": DateType(), "amount": DoubleType(), "row_number": LongType(),
                 "ingested_at": TimestampType()}  # fmt: skip
        return StructType([StructField(c, types.get(c, StringType())) for c in RECORD_COLUMNS])


def record_columns(plan: Plan) -> list[str]:
    """The record columns the plan names: only those are read and exchanged.

    Names are collected from every step whatever table they qualify, which can only keep too
    many; a ``SELECT *`` straight from ``records`` keeps them all.
    """
    named = {column.name for step in plan.steps for column in step.query.find_all(exp.Column)}
    for select in (s for step in plan.steps for s in step.query.find_all(exp.Select)):
        sources = [select.args.get("from_"), *select.args.get("joins", [])]
        reads_records = any(
            table.name == "records"
            for source in sources
            if source is not None
            for table in source.find_all(exp.Table)
        )
        if reads_records and any(e.is_star for e in select.expressions):
            return list(RECORD_COLUMNS)
    return [c for c in RECORD_COLUMNS if c in named or c in SUBJECT_KEYS]


def _reads_records(plan: Plan) -> set[str]:
    """The steps whose query reads ``records`` itself."""
    return {
        step.name
        for step in plan.steps
        if any(table.name == "records" for table in step.query.find_all(exp.Table))
    }


def _within_reach(plan: Plan) -> Any:
    """The records some step can read, by kind and day (``Plan.record_since``): those of
    consent and of the requirements' kinds up to the day, each kind from the first day its
    records can count. Kinds are grouped by that day, so each row meets a few set lookups."""
    from pyspark.sql import functions as f

    by_day: dict[Any, list[str]] = {}
    for kind, since in plan.record_since:
        by_day.setdefault(since, []).append(kind)
    day = f.col("occurred_at")
    reach = None
    for since, kinds in by_day.items():
        term = f.col("kind").isin(sorted(kinds))
        if since is not None:
            term = term & (day > f.lit(since))
        reach = term if reach is None else reach | term
    assert reach is not None  # consent is always there
    return f.col("subject_code").isNotNull() & (day <= f.lit(plan.as_of)) & reach


def _partitions_kept(session: SparkSession, plan: Plan) -> bool:
    """Whether every row of every step is still in the partition the one exchange gave its
    subject: no step shuffles again (each step derives a subject's rows from that subject's rows
    alone, small steps joined by broadcast). A test holds every written row to its part."""
    return all(count == 0 for name, count in shuffle_report(session, plan) if name != INPUTS)


def _broadcast(frame: DataFrame) -> DataFrame:
    from pyspark.sql.functions import broadcast

    return broadcast(frame)


def _materialise(frame: DataFrame) -> DataFrame:
    """Cache and compute once: later steps read it several times, partitioned as it was built."""
    frame = frame.cache()
    frame.count()
    return frame


def _materialised(plan: Plan) -> list[str]:
    return [INPUTS, *(step.name for step in plan.steps if not step.local)]


def _release(session: SparkSession, plan: Plan) -> None:
    """Drop what an earlier run of the plan's steps left cached in this session."""
    for name in _materialised(plan):
        if session.catalog.tableExists(name) and session.catalog.isCached(name):
            session.catalog.uncacheTable(name)


def shuffle_report(session: SparkSession, plan: Plan) -> list[tuple[str, int]]:
    """(step name, shuffle exchanges) of the last run of ``plan`` in ``session``, inputs first.

    The whole run shuffles once: the exchange of ``cr_inputs`` (records and subjects by subject).
    """
    return [(name, len(shuffles(session, name))) for name in _materialised(plan)]


def shuffles(session: SparkSession, view: str) -> list[str]:
    """The partitionings of the shuffle exchanges in the plan that materialised a cached view.

    Read from Spark's executed plan (the final one under adaptive execution); exchanges feeding a
    broadcast, and the plans of other cached views it reads, are not counted.
    """
    plan = session.table(view)._jdf.queryExecution().executedPlan()
    found = _find(plan, "InMemoryTableScan")
    if found is None:
        raise CredenceError(f"{view} is not a materialised step of the last Spark run")
    out: list[str] = []
    _collect_shuffles(found.relation().cachedPlan(), out)
    return out


def _children(node: Any) -> list[Any]:
    name = node.nodeName()
    if name == "AdaptiveSparkPlan":
        return [node.executedPlan()]
    if name.endswith("QueryStage") and name != "TableCacheQueryStage":
        return [node.plan()]
    if name == "ReusedExchange":  # its shuffle ran once, where it was first planned
        return []
    kids = node.children()
    return [kids.apply(i) for i in range(kids.size())]


def _find(node: Any, name: str) -> Any:
    if node.nodeName() == name:
        return node
    for child in _children(node):
        found = _find(child, name)
        if found is not None:
            return found
    return None


def _collect_shuffles(node: Any, out: list[str]) -> None:
    name = node.nodeName()
    if name in ("BroadcastExchange", "InMemoryTableScan", "TableCacheQueryStage"):
        return
    if name == "Exchange":
        out.append(node.outputPartitioning().toString())
    for child in _children(node):
        _collect_shuffles(child, out)
