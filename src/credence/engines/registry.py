"""The engines a run can choose, by name: each entry makes an engine over a catalog connection.

A new engine registers a factory here; nothing that scores names an engine's class. Spark is
imported only when it is chosen, so a machine without PySpark runs DuckDB as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from credence.engines.base import Engine
from credence.errors import CredenceError


@dataclass(frozen=True)
class EngineOptions:
    """What an engine may be told: Spark's master URL (``local[*]`` for one machine), the
    memory of its driver, and a folder on a disk the executors share for the inputs it hands
    them."""

    spark_master: str = "local[*]"
    spark_driver_memory: str = "4g"
    scratch: Path | None = None


EngineFactory = Callable[[duckdb.DuckDBPyConnection, EngineOptions], Engine]


def _duckdb(con: duckdb.DuckDBPyConnection, options: EngineOptions) -> Engine:
    from credence.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine(con)


def _spark(con: duckdb.DuckDBPyConnection, options: EngineOptions) -> Engine:
    from credence.engines.spark_engine import SparkEngine, local_session

    session = local_session(options.spark_master, options.spark_driver_memory)
    return SparkEngine(session, catalog=con, scratch=options.scratch)


ENGINES: dict[str, EngineFactory] = {"duckdb": _duckdb, "spark": _spark}
# Engines that read the records as files (a snapshot of the inline ones included).
READS_FILES = frozenset({"spark"})
# Where each engine's results are kept unless the caller says: an engine outside the catalog
# writes files from its executors, and the catalog never takes their rows through one process.
DEFAULT_STORE = {"duckdb": "catalog", "spark": "parquet"}


def default_store(engine: str) -> str:
    return DEFAULT_STORE.get(engine, "catalog")


def engine_names() -> list[str]:
    return sorted(ENGINES)


def make_engine(
    name: str, con: duckdb.DuckDBPyConnection, options: EngineOptions | None = None
) -> Engine:
    """The engine called ``name``, over the catalog ``con``; an unknown name says the choices."""
    factory = ENGINES.get(name)
    if factory is None:
        raise CredenceError(f"unknown engine {name!r}: choose one of {', '.join(engine_names())}")
    return factory(con, options or EngineOptions())
