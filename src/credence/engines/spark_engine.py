"""Apache Spark behind the same seam: the plan compiled once, printed in Spark SQL, run on Spark.

PySpark is imported lazily: a machine without it gets an error naming the extra to install.
Inputs are the workspace's committed Parquet batches (read by Spark itself) and the small catalog
tables the plan reads (subjects, decisions, links), handed over as Arrow.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from credence.engines.base import StepProgress
from credence.errors import CredenceError
from credence.model import RECORD_COLUMNS
from credence.rules.compile import Plan

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The active link of each code-less row, as the DuckDB records view computes it (store/links.py).
_LINKED_RECORDS = """
WITH active AS (
  SELECT record_id, max_by(subject_kind, decided_at) AS subject_kind,
         max_by(subject_code, decided_at) AS subject_code
  FROM record_links_input
  WHERE decided_at <= current_timestamp() AND (undone_at IS NULL OR undone_at > current_timestamp())
  GROUP BY record_id)
SELECT {columns} FROM raw_records WHERE subject_code IS NOT NULL
UNION ALL SELECT {linked} FROM raw_records r JOIN active l ON l.record_id = r.record_id
WHERE r.subject_code IS NULL
UNION ALL SELECT {columns} FROM raw_records r LEFT ANTI JOIN active l ON l.record_id = r.record_id
WHERE r.subject_code IS NULL
"""


def _spark() -> Any:
    try:
        import pyspark.sql
    except ImportError as error:  # pragma: no cover - depends on the machine
        raise CredenceError(
            "the Spark engine needs PySpark and Java: pip install 'credence[spark]' "
            "(and a Java 17+ runtime)"
        ) from error
    return pyspark.sql


def local_session(master: str = "local[*]", memory: str = "4g") -> SparkSession:
    """A Spark session for one machine, quiet and in UTC so dates mean what DuckDB's mean."""
    sql = _spark()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only: nothing leaves the box
    session = (
        sql.SparkSession.builder.master(master)
        .appName("credence")
        .config("spark.driver.memory", memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Runs plans on a Spark session; every step becomes a cached temporary view."""

    name = "spark"
    dialect = "spark"

    def __init__(self, session: SparkSession) -> None:
        self.spark = session

    def register_records(self, files: list[str], links: pa.Table | None = None) -> None:
        """``records`` over the Parquet batches, code-less rows resolved by their active links."""
        if files:
            raw = self.spark.read.parquet(*files).select(*RECORD_COLUMNS)
        else:
            raw = self.spark.createDataFrame([], self._record_schema())
        raw.createOrReplaceTempView("raw_records")
        if links is None or links.num_rows == 0:
            raw.createOrReplaceTempView("records")
            return
        self.register_table("record_links_input", links)
        columns = ", ".join(RECORD_COLUMNS)
        linked = ", ".join(
            f"l.{c}" if c in ("subject_kind", "subject_code") else f"r.{c}" for c in RECORD_COLUMNS
        )
        query = _LINKED_RECORDS.format(columns=columns, linked=linked)
        self.spark.sql(query).createOrReplaceTempView("records")

    def register_table(self, name: str, table: pa.Table) -> None:
        """A small catalog table (subjects, decisions) handed over from Arrow."""
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def run_plan(self, plan: Plan, progress: StepProgress | None = None) -> None:
        for index, step in enumerate(plan.steps):
            if progress:
                progress(step.name, index, len(plan.steps))
            frame = self.spark.sql(step.sql(self.dialect)).cache()
            frame.count()  # materialise once: later steps read it several times
            frame.createOrReplaceTempView(step.name)
        if progress:
            progress("done", len(plan.steps), len(plan.steps))

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        if params:
            raise CredenceError("the Spark engine takes no query parameters")
        return [row.asDict() for row in self.spark.sql(sql).collect()]

    def to_arrow(self, name: str) -> pa.Table:
        """A result table as Arrow, to be written into the workspace catalog."""
        return self.spark.table(name).toArrow()

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
