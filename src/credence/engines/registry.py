"""The engines a run can choose, by name: each entry makes an engine over a catalog connection.

A new engine registers a factory here; nothing that scores names an engine's class. Spark is
imported only when it is chosen, so a machine without PySpark runs DuckDB as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from credence.engines.base import Engine
from credence.errors import CredenceError


@dataclass(frozen=True)
class EngineOptions:
    """What an engine may be told: Spark's master URL (``local[*]`` for one machine)."""

    spark_master: str = "local[*]"


EngineFactory = Callable[[duckdb.DuckDBPyConnection, EngineOptions], Engine]


def _duckdb(con: duckdb.DuckDBPyConnection, options: EngineOptions) -> Engine:
    from credence.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine(con)


def _spark(con: duckdb.DuckDBPyConnection, options: EngineOptions) -> Engine:
    from credence.engines.spark_engine import SparkEngine, local_session

    return SparkEngine(local_session(options.spark_master), catalog=con)


ENGINES: dict[str, EngineFactory] = {"duckdb": _duckdb, "spark": _spark}
# Engines that read the records as files (a snapshot of the inline ones included).
READS_FILES = frozenset({"spark"})


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
