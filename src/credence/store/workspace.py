"""A workspace folder: ``records/`` holds append-only Parquet batches, ``catalog.duckdb`` the rest.

Only batches committed in the catalog are visible through the ``records`` view, so a batch that
was being written when a process died is invisible until an ingest completes it.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from credence.errors import WorkspaceError
from credence.model import RECORD_COLUMNS, RECORD_SQL_TYPES
from credence.store.catalog import migrate
from credence.store.links import with_links

CATALOG_FILE = "catalog.duckdb"
RECORDS_DIR = "records"
ENV_VAR = "CREDENCE_WORKSPACE"



def default_workspace() -> Path:
    """``$CREDENCE_WORKSPACE`` or ``./workspace``."""
    return Path(os.environ.get(ENV_VAR, "workspace"))


class Workspace:
    """Paths and connections of one workspace folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

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
        con = duckdb.connect(str(self.catalog_path), read_only=read_only)
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{self.temp_dir.as_posix()}'")
        con.execute("SET preserve_insertion_order = false")
        if not read_only:
            migrate(con)
        self.refresh_records_view(con)
        return con

    def batch_dir(self, batch_id: str) -> Path:
        return self.records_dir / f"batch={batch_id}"

    def committed_files(
        self, con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
    ) -> list[str]:
        """The Parquet files of every batch committed (by ``known_at``), in commit order."""
        rows = con.execute(
            "SELECT path FROM batches WHERE ? IS NULL OR committed_at <= ? "
            "ORDER BY committed_at, batch_id",
            [known_at, known_at],
        ).fetchall()
        files: list[str] = []
        for (path,) in rows:
            files.extend(sorted(str(p) for p in (self.root / path).glob("*.parquet")))
        return files

    def refresh_records_view(
        self, con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
    ) -> None:
        """(Re)create the temporary ``records`` view over the committed batches.

        With ``known_at``, only the batches committed by then: the workspace as it was known.
        """
        files = self.committed_files(con, known_at)
        if files:
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            columns = ", ".join(RECORD_COLUMNS)
            body = f"SELECT {columns} FROM read_parquet([{listing}])"
        else:
            typed = ", ".join(f"CAST(NULL AS {RECORD_SQL_TYPES[c]}) AS {c}" for c in RECORD_COLUMNS)
            body = f"SELECT {typed} WHERE false"
        if _has_links(con):
            body = with_links(body, known_at)
        con.execute(f"CREATE OR REPLACE TEMP VIEW records AS {body}")


def _has_links(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'record_links'"
    ).fetchone()
    if not found or not found[0]:
        return False
    (count,) = con.execute("SELECT COUNT(*) FROM record_links").fetchone() or (0,)
    return bool(count)
