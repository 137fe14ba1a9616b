"""Splink on Apache Spark: the same linker, comparisons and models, run where data outgrows one
machine.

The prepared keys of both sides reach Spark as Arrow and the scored pairs come back as Arrow;
everything around Splink (normalising, deciding, writing links) stays where it is. No jar is
needed: every comparison is Spark SQL (``spark_sql``). Intermediate tables are persisted by
Spark (memory, then disk), so no checkpoint folder is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from credence.errors import CredenceError
from credence.resolve.spark_sql import SPARK, duckdb_model, spark_model, to_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkUnavailableError(CredenceError):
    """Spark cannot run here: PySpark or a Java runtime is missing, or the master is gone."""


class SparkScratch:
    """One linker's tables as temporary views of a session of its own (it shares the Spark
    context and its cache, not its views), all dropped and uncached on close."""

    def __init__(self, session: SparkSession) -> None:
        from splink import SparkAPI

        self.session = session.newSession()
        self.api = SparkAPI(
            spark_session=self.session, break_lineage_method="persist",
            register_udfs_automatically=False,
        )  # fmt: skip

    def register(self, name: str, table: pa.Table, dataset: str) -> Any:
        view = f"credence_{name}"
        self.session.createDataFrame(table).createOrReplaceTempView(view)
        return self.api.register(view, table_name=dataset)

    def query(self, sql: str) -> pa.Table:
        return self.session.sql(to_spark(sql)).toArrow()

    def model_in(self, model: dict[str, Any]) -> dict[str, Any]:
        return spark_model(model)

    def model_out(self, model: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
        return duckdb_model(model, canonical)

    def close(self) -> None:
        for table in self.session.catalog.listTables():
            if table.isTemporary:
                self.session.catalog.dropTempView(table.name)


class SparkBackend:
    """Splink on a running Spark session (local, or a cluster's master)."""

    name = SPARK

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    def scratch(self) -> SparkScratch:
        return SparkScratch(self.session)


def spark_backend(master: str = "local[*]") -> SparkBackend:
    """A backend on the Spark session for ``master`` (the running one, if one is)."""
    from credence.engines.spark_engine import local_session

    try:
        session = local_session(master)
    except CredenceError as error:
        raise SparkUnavailableError(str(error)) from error
    except Exception as error:  # the JVM did not start: no Java, or a master out of reach
        raise SparkUnavailableError(
            f"Spark did not start for master {master!r}: {error}. The Spark engine needs "
            "PySpark (pip install 'credence[spark]') and a Java 17+ runtime (JAVA_HOME)."
        ) from error
    return SparkBackend(session)
