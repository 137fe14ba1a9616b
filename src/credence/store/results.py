"""Where a run's results are kept, with the tables declared in ``credence.model.RESULT_SCHEMAS``:
in the catalog (one schema per run, ``run_<id>``: the default on the embedded engine, and what
the incremental path updates in place), or as Parquet datasets beside it
(``results/run_<id>/<table>/*.parquet``: what an engine on other machines writes, each file
sorted by subject, so a reader's filter on one subject skips all but a few row groups).

A run kept as files is written aside (``results/run_<id>.partial/``) and moved into place whole
(``seal``) before the catalog's commit names it: a job killed half-way leaves only a folder no
run names, which the next run removes (``sweep_files``).

This is the storage half of the results seam; readers go through ``runs/results.py``, which
knows which run is current, and get a relation for each table either way (``relation``). A
workspace from before runs had ids kept its results in ``main``: ``migrate_results`` moves them
under the latest run, once.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa

from credence.errors import CredenceError
from credence.model import RESULT_SCHEMAS, RESULT_TABLES
from credence.sql import lit, transaction
from credence.store.layout import subject_files, write_layout

RUN_SCHEMA_PREFIX = "run_"
CURRENT_KEY = "current_run"  # in ``meta``: the id of the run every reader sees
PARQUET_PREFIX = "parquet:"  # a storage kept as files: ``parquet:results/run_<id>``
RESULTS_DIR = "results"  # under the workspace root
PARTIAL = ".partial"  # the suffix of a run's folder while it is written
STORES = ("catalog", "parquet")
_RUN_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def storage_of(run_id: str) -> str:
    """The schema holding a run's tables."""
    if not _RUN_ID.match(run_id):
        raise CredenceError(f"internal: {run_id!r} cannot name a run")
    return f"{RUN_SCHEMA_PREFIX}{run_id}"


def qualified(storage: str, result: str) -> str:
    """The quoted name of one result table of a run's storage in the catalog."""
    if result not in RESULT_SCHEMAS:
        raise CredenceError(f"internal: no result table {result!r}")
    return f'"{storage}"."{result}"'


def in_catalog(storage: str) -> bool:
    return bool(storage) and not storage.startswith(PARQUET_PREFIX)


def workspace_root(con: duckdb.DuckDBPyConnection) -> Path:
    """The folder of the catalog ``con`` works on (a run's Parquet files are kept beside it)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if row is None or not row[0]:
        raise CredenceError("internal: results kept as files need a catalog on disk")
    return Path(str(row[0])).resolve().parent


def parquet_dir(con: duckdb.DuckDBPyConnection, storage: str) -> Path:
    return workspace_root(con) / storage[len(PARQUET_PREFIX) :]


def files_of(folder: Path | str, result: str) -> str:
    """The files of one result table of a run kept in ``folder``: its dataset's parts, or the
    single file a run written before datasets kept."""
    if result not in RESULT_SCHEMAS:
        raise CredenceError(f"internal: no result table {result!r}")
    single = Path(folder) / f"{result}.parquet"
    if single.is_file():
        return single.as_posix()
    return (Path(folder) / result / "*.parquet").as_posix()


def scan(folder: Path | str, result: str) -> str:
    """SQL reading one result table of a run kept as files."""
    return f"read_parquet({lit(files_of(folder, result))})"


def subject_scan(folder: Path | str, result: str, kind: str, code: str) -> str:
    """SQL reading the files of ``result`` that can hold one subject's rows (all of them for a
    run without a layout; the caller still filters on the subject)."""
    files = subject_files(folder, result, kind, code)
    if files is None:
        return scan(folder, result)
    if not files:
        return empty_result(result)
    return f"read_parquet([{', '.join(lit(f) for f in files)}])"


def relation(con: duckdb.DuckDBPyConnection | None, storage: str, result: str) -> str:
    """SQL naming one result table of a storage: the catalog table, or a scan of its files."""
    if in_catalog(storage):
        return qualified(storage, result)
    if con is None:
        raise CredenceError("internal: results kept as files are read through a connection")
    return scan(parquet_dir(con, storage), result)


def empty_result(result: str) -> str:
    """An empty relation with the columns of one result table (no run yet)."""
    if result not in RESULT_SCHEMAS:
        raise CredenceError(f"internal: no result table {result!r}")
    typed = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in RESULT_SCHEMAS[result])
    return f"(SELECT {typed} WHERE false)"


def _casts(result: str) -> str:
    return ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in RESULT_SCHEMAS[result])


class CatalogSink:
    """A run being written into the catalog: its schema exists, its tables appear as the engine
    makes them (an engine on the catalog's connection creates them itself: ``catalog_table``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con = con
        self.storage = storage_of(run_id)
        con.execute(f'DROP SCHEMA IF EXISTS "{self.storage}" CASCADE')
        con.execute(f'CREATE SCHEMA "{self.storage}"')

    def catalog_table(self, result: str) -> str | None:
        return qualified(self.storage, result)

    def write_sql(self, result: str, sql: str) -> None:
        self.con.execute(
            f"CREATE TABLE {qualified(self.storage, result)} AS "
            f"SELECT {_casts(result)} FROM ({sql})"
        )

    def write_arrow(self, result: str, rows: pa.Table) -> None:
        self.con.register("cr_arrow_result", rows)
        try:
            self.write_sql(result, "SELECT * FROM cr_arrow_result")
        finally:
            self.con.unregister("cr_arrow_result")

    def dataset_folder(self, result: str) -> Path:
        """Where an engine that writes files itself writes ``result`` as a Parquet dataset
        (absent: the writer makes it); ``dataset_written`` then loads it into the run's table."""
        if result not in RESULT_SCHEMAS:
            raise CredenceError(f"internal: no result table {result!r}")
        folder = self._aside / result
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder

    def dataset_partitions(self, parts: int) -> None:
        """The catalog's tables are indexed as it keeps them: the files' layout is not kept."""

    def dataset_written(self, result: str) -> None:
        self.write_sql(result, f"SELECT * FROM {scan(self._aside, result)}")
        shutil.rmtree(self._aside / result, ignore_errors=True)

    def seal(self) -> None:
        """Nothing to move: the tables are the catalog's, named by its commit."""
        shutil.rmtree(self._aside, ignore_errors=True)

    @property
    def _aside(self) -> Path:
        return workspace_root(self.con) / RESULTS_DIR / f"{self.storage}{PARTIAL}"


class ParquetSink:
    """A run being written as Parquet datasets under ``results/run_<id>.partial/<table>/``, each
    cast to its declared columns, then moved into place whole (``seal``); the run is current
    only once the catalog's commit records it, so a failed run leaves files no reader is pointed
    to (and the next run of the workspace removes them)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con = con
        self.storage = f"{PARQUET_PREFIX}{RESULTS_DIR}/{storage_of(run_id)}"
        self.final = parquet_dir(con, self.storage)
        self.folder = self.final.with_name(self.final.name + PARTIAL)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def catalog_table(self, result: str) -> str | None:
        return None

    def write_sql(self, result: str, sql: str) -> None:
        folder = self.dataset_folder(result)
        folder.mkdir()
        self.con.execute(
            f"COPY (SELECT {_casts(result)} FROM ({sql}) ORDER BY subject_kind, subject_code) "
            f"TO {lit((folder / 'part-00000.parquet').as_posix())} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )

    def write_arrow(self, result: str, rows: pa.Table) -> None:
        self.con.register("cr_arrow_result", rows)
        try:
            self.write_sql(result, "SELECT * FROM cr_arrow_result")
        finally:
            self.con.unregister("cr_arrow_result")

    def dataset_folder(self, result: str) -> Path:
        """Where ``result``'s dataset is written (absent: the writer makes it)."""
        if result not in RESULT_SCHEMAS:
            raise CredenceError(f"internal: no result table {result!r}")
        folder = self.folder / result
        shutil.rmtree(folder, ignore_errors=True)
        return folder

    def dataset_partitions(self, parts: int) -> None:
        """The engine writes every table in ``parts`` partitions by subject: recorded with the
        run, so a reader of one subject opens one file per table (``store/layout.py``)."""
        write_layout(self.folder, parts)

    def dataset_written(self, result: str) -> None:
        """The engine's files are the table as they are."""

    def seal(self) -> None:
        """Move the run's folder into place, whole, before the catalog's commit names it."""
        missing = [r for r in RESULT_SCHEMAS if not (self.folder / r).is_dir()]
        if missing:
            raise CredenceError(f"internal: the run wrote no {', '.join(missing)}")
        shutil.rmtree(self.final, ignore_errors=True)
        self.folder.rename(self.final)


def open_sink(
    con: duckdb.DuckDBPyConnection, run_id: str, store: str
) -> CatalogSink | ParquetSink:
    """Storage for a new run: ``catalog`` (the default) or ``parquet``."""
    if store == "catalog":
        return CatalogSink(con, run_id)
    if store == "parquet":
        return ParquetSink(con, run_id)
    raise CredenceError(f"unknown results store {store!r}: choose one of {', '.join(STORES)}")


def drop_storage(con: duckdb.DuckDBPyConnection, storage: str | None) -> None:
    """Forget a run's tables (its row in ``score_runs`` stays: it can be reproduced)."""
    if not storage:
        return
    if in_catalog(storage):
        con.execute(f'DROP SCHEMA IF EXISTS "{storage}" CASCADE')
    # Files are removed by ``sweep_files`` once the catalog no longer names them: a rollback
    # of the caller's transaction must find them still there.


def sweep_files(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the result folders no run in ``score_runs`` keeps (after the commit that forgot
    them, or a run that failed before its commit); how many went."""
    try:
        folder = workspace_root(con) / RESULTS_DIR
    except CredenceError:
        return 0
    if not folder.is_dir():
        return 0
    kept = {
        str(s)[len(PARQUET_PREFIX) :]
        for (s,) in con.execute(
            "SELECT storage FROM score_runs WHERE starts_with(storage, ?)", [PARQUET_PREFIX]
        ).fetchall()
    }
    gone = 0
    for run in folder.iterdir():
        if f"{RESULTS_DIR}/{run.name}" not in kept:  # a run forgotten, or one left half-written
            shutil.rmtree(run, ignore_errors=True)
            gone += 1
    return gone


def migrate_results(con: duckdb.DuckDBPyConnection) -> None:
    """Move results a workspace kept in ``main`` (before runs had ids) under its latest run."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }
    legacy = [name for name in RESULT_TABLES if name in present]
    if not legacy:
        return
    row = con.execute(
        "SELECT run_id FROM score_runs ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    with transaction(con):
        if row is not None:
            storage = storage_of(str(row[0]))
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{storage}"')
            for name in legacy:
                con.execute(f"CREATE TABLE {qualified(storage, name)} AS SELECT * FROM main.{name}")
            con.execute("UPDATE score_runs SET storage = ?, published = true WHERE run_id = ?",
                        [storage, row[0]])  # fmt: skip
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [CURRENT_KEY, row[0]])
        for name in legacy:
            con.execute(f"DROP TABLE main.{name}")

