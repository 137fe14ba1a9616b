"""A workspace folder: ``records/`` holds append-only Parquet batches, ``catalog.duckdb`` the rest.

Only batches committed in the catalog are visible through the ``records`` view, so a batch that
was being written when a process died is invisible until an ingest completes it. A small batch
keeps its rows in the catalog's ``inline_records`` instead (written in the commit's own
transaction); the view reads both.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from datetime import datetime
from pathlib import Path

import duckdb
import psutil

from credence.errors import WorkspaceError
from credence.sql import lit
from credence.store.catalog import migrate
from credence.store.inputs import (
    INLINE_PATH,
    RunInputs,
    inline_records_sql,
    parquet_scan,
    run_inputs,
)
from credence.store.record_locator import RecordLocator

CATALOG_FILE = "catalog.duckdb"
RECORDS_DIR = "records"
ENV_VAR = "CREDENCE_WORKSPACE"
__all__ = ["INLINE_PATH", "Workspace", "default_workspace", "parquet_scan"]


def default_workspace() -> Path:
    """``$CREDENCE_WORKSPACE`` or ``./workspace``."""
    return Path(os.environ.get(ENV_VAR, "workspace"))


_HOLDER = re.compile(r"\(PID (\d+)\)(?: by user (\S+?))?\.?(?:\s|$)")


def held_by(root: Path, message: str) -> str:
    """Who holds a workspace, from DuckDB's lock error: its process id, user and command."""
    found = _HOLDER.search(message)
    if found is None:
        return (
            f"{root} is in use by another process: DuckDB lets one process hold a workspace; "
            "stop it, or go through the API of the `credence serve` that holds it"
        )
    pid, user = int(found.group(1)), found.group(2)
    command = ""
    with contextlib.suppress(psutil.Error, OSError):  # gone, or not ours to look at
        command = " ".join(psutil.Process(pid).cmdline())[:120]
    who = f"process {pid}" + (f" of user {user}" if user else "")
    what = f" ({command})" if command else ""
    return (
        f"{root} is in use by {who}{what}: DuckDB lets one process hold a workspace; stop it, "
        "or go through the API of the `credence serve` that holds it"
    )


class Workspace:
    """Paths and connections of one workspace folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._parts: dict[str, list[str]] = {}  # committed batches never change: list them once
        self.locator = RecordLocator()  # their footers, for reading one subject's rows
        self._inline_seen = False  # the catalog has inline_records (it is never dropped)

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_FILE

    @property
    def records_dir(self) -> Path:
        return self.root / RECORDS_DIR

    @property
    def temp_dir(self) -> Path:
        return self.root / "tmp"

    @classmethod
    def init(cls, root: Path) -> Workspace:
        """Create the folder and the catalog; running it again changes nothing."""
        ws = cls(root)
        if ws.root.exists() and not ws.root.is_dir():
            raise WorkspaceError(f"{ws.root} exists and is not a folder")
        ws.records_dir.mkdir(parents=True, exist_ok=True)
        ws.temp_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(ws.catalog_path))
        try:
            migrate(con)
        finally:
            con.close()
        return ws

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an initialised workspace, or say how to make one."""
        ws = cls(root)
        if not ws.catalog_path.is_file():
            raise WorkspaceError(
                f"no Credence workspace at {ws.root}: run `credence init {ws.root}` first"
            )
        return ws

    def connect(
        self, read_only: bool = False, memory_limit: str = "6GB"
    ) -> duckdb.DuckDBPyConnection:
        """A connection to the catalog with the ``records`` view over committed batches."""
        try:
            con = duckdb.connect(str(self.catalog_path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise WorkspaceError(held_by(self.root, str(error))) from error
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{self.temp_dir.as_posix()}'")
        con.execute("SET preserve_insertion_order = false")
        # Record parts are immutable: their footers are parsed once, not on every point lookup.
        con.execute("SET parquet_metadata_cache = true")
        if not read_only:
            migrate(con)
        self.refresh_records_view(con)
        return con

    def batch_dir(self, batch_id: str) -> Path:
        return self.records_dir / f"batch={batch_id}"

    def has_inline_records(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether the catalog has ``inline_records`` (asked once it has been seen)."""
        if not self._inline_seen:
            self._inline_seen = inline_records_sql(con) is not None
        return self._inline_seen

    def committed_files(
        self, con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
    ) -> list[str]:
        """The Parquet files of every batch committed (by ``known_at``), in commit order.

        Batches kept inline in the catalog have no files: see ``record_files``.
        """
        rows = con.execute(
            "SELECT path FROM batches WHERE (? IS NULL OR committed_at <= ?) AND path <> ? "
            "ORDER BY committed_at, batch_id",
            [known_at, known_at, INLINE_PATH],
        ).fetchall()
        files: list[str] = []
        for (path,) in rows:
            files.extend(self.parts_of(path))
        return files

    def parts_of(self, path: str) -> list[str]:
        """The Parquet parts of one committed batch folder (relative ``path``), listed once."""
        found = self._parts.get(path)
        if found is None:
            found = sorted(str(p) for p in (self.root / path).glob("*.parquet"))
            self._parts[path] = found
        return found

    def record_files(
        self, con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
    ) -> list[str]:
        """Parquet files holding every committed record (by ``known_at``), for engines that read
        files (Spark, the governance sandbox): the batches' own, plus a snapshot of the inline
        records under ``tmp/`` when there are any."""
        files = self.committed_files(con, known_at)
        inline = inline_records_sql(con, known_at)
        if inline is None:
            return files
        ids = con.execute(f"SELECT DISTINCT batch_id FROM ({inline}) ORDER BY 1").fetchall()
        if not ids:
            return files
        digest = hashlib.sha256("\x1f".join(str(b) for (b,) in ids).encode()).hexdigest()[:24]
        snapshot = self.temp_dir / f"inline-{digest}.parquet"
        if not snapshot.is_file():
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            partial = snapshot.with_suffix(f".{os.getpid()}.tmp")
            con.execute(
                f"COPY ({inline}) TO {lit(partial.as_posix())} "
                "(FORMAT parquet)"
            )
            os.replace(partial, snapshot)
        return [*files, str(snapshot)]

    def refresh_records_view(
        self,
        con: duckdb.DuckDBPyConnection,
        known_at: datetime | None = None,
        current: str | None = None,
    ) -> str:
        """(Re)create the temporary ``records`` view over the committed batches; return its SQL.

        With ``known_at``, only the batches committed by then: the workspace as it was known.
        With ``current`` (the SQL this connection's view already has), an unchanged view is left
        alone: a new inline batch changes no file list, so the service's cursors keep theirs.
        """
        body = self.records_view_sql(con, known_at)
        if body != current:
            con.execute(f"CREATE OR REPLACE TEMP VIEW records AS {body}")
        return body

    def records_view_sql(
        self, con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
    ) -> str:
        """The body of the ``records`` view: the run inputs' records, printed for DuckDB."""
        return self.inputs(con, known_at).records_sql("duckdb")

    def inputs(
        self,
        con: duckdb.DuckDBPyConnection,
        known_at: datetime | None = None,
        as_files: bool = False,
    ) -> RunInputs:
        """What a run over this workspace reads (as known at ``known_at``), read from ``con``;
        ``as_files`` adds every record as files, for an engine that reads files itself."""
        files = self.record_files(con, known_at) if as_files else None
        return run_inputs(con, self.committed_files(con, known_at), known_at, files)
