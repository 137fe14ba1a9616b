"""Where Splink runs: a narrow seam with DuckDB behind it by default and Spark at scale.

A backend opens scratch spaces; each scratch holds the tables of one linker, registered from
Arrow, and answers queries written in DuckDB SQL (the Spark scratch translates them), so the
linker, its comparisons and its stored models are written once for every engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from credence.errors import CredenceError

ENGINES = ("duckdb", "spark")


class Scratch(Protocol):
    """One scratch database: input tables, the Splink database API over them, queries."""

    def register(self, name: str, table: pa.Table, dataset: str) -> Any:
        """Hand ``table`` to the backend; return Splink's frame of it (templated ``dataset``)."""
        ...

    def query(self, sql: str) -> pa.Table:
        """Run a query written in DuckDB SQL over the registered tables (physical names)."""
        ...

    def model_in(self, model: dict[str, Any]) -> dict[str, Any]:
        """A stored model (DuckDB SQL) in this scratch's dialect."""
        ...

    def model_out(self, model: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
        """A model this scratch's Splink saved, back in DuckDB SQL (``canonical`` is its shape
        as DuckDB reads it)."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    """An engine Splink can run on; each linker gets a scratch of its own."""

    name: str

    def scratch(self) -> Scratch: ...


class DuckDBScratch:
    """An in-memory DuckDB of its own: Splink's scratch tables never reach the catalog."""

    def __init__(self, memory_limit: str = "4GB", temp_dir: Path | None = None) -> None:
        from splink import DuckDBAPI

        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = '{temp_dir.as_posix()}'")
        self.api = DuckDBAPI(self.con)

    def register(self, name: str, table: pa.Table, dataset: str) -> Any:
        self.con.register(name, table)
        return self.api.register(name, table_name=dataset)

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def model_in(self, model: dict[str, Any]) -> dict[str, Any]:
        return model

    def model_out(self, model: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
        return model

    def close(self) -> None:
        self.con.close()


class DuckDBBackend:
    """Splink on embedded DuckDB: the default, one machine, nothing to start."""

    name = "duckdb"

    def __init__(self, memory_limit: str = "4GB", temp_dir: Path | None = None) -> None:
        self.memory_limit = memory_limit
        self.temp_dir = temp_dir

    def scratch(self) -> Scratch:
        return DuckDBScratch(self.memory_limit, self.temp_dir)


def backend_for(
    engine: str, spark_master: str = "local[*]", temp_dir: Path | None = None
) -> Backend:
    """The backend an engine name stands for (Spark is started here, and only here)."""
    if engine == "duckdb":
        return DuckDBBackend(temp_dir=temp_dir)
    if engine == "spark":
        from credence.resolve.spark_backend import spark_backend

        return spark_backend(spark_master)
    raise CredenceError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
