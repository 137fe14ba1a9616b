"""Connections of the service to its workspace: a pool of readers and one writer at a time.

DuckDB allows one process to hold the catalog; inside it every request gets its own cursor of
one shared database. Each cursor carries the ``records`` view over the committed batches, and
is refreshed when a change (a new record, a rescore) bumps the generation. Writes (decisions,
audit entries, keys) go through ``write``: one lock, one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from credence.inspection.store import ensure_tables as ensure_inspection_tables
from credence.rights.tables import ensure_tables as ensure_rights_tables
from credence.service.keys import ensure_tables as ensure_key_tables
from credence.service.names import refresh_names
from credence.sql import transaction
from credence.store import Workspace
from credence.store.audit import ensure_tables as ensure_audit_tables
from credence.store.subjects import refresh_subject_index

IDLE_CURSORS = 16


def connect(ws: Workspace) -> duckdb.DuckDBPyConnection:
    """The workspace's catalog; a WorkspaceError names the process that holds it."""
    return ws.connect()


def ensure_service_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every table the service and the rights keep beside the lead's catalog."""
    for ensure in (
        ensure_audit_tables,
        ensure_key_tables,
        ensure_rights_tables,
        ensure_inspection_tables,
    ):
        ensure(con)


@dataclass
class _Cursor:
    con: duckdb.DuckDBPyConnection
    view: str | None = None  # the SQL of this cursor's records view
    view_generation: int = -1  # the change of record layout it was made for


class Database:
    """The workspace as the service sees it."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._base = connect(ws)
        ensure_service_tables(self._base)
        refresh_names(self._base, ws)
        # Batches committed before the service started; the service indexes its own as it
        # commits them (DuckDB lets no other process write meanwhile).
        refresh_subject_index(ws, self._base)
        self._idle: list[_Cursor] = []
        self._generation = 0
        self._view_generation = 0
        self._pool_lock = threading.Lock()
        self.write_lock = threading.RLock()

    def _checkout(self) -> _Cursor:
        with self._pool_lock:
            if self._idle:
                return self._idle.pop()
            con = self._base.cursor()
        return _Cursor(con)

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for this request alone, with an up-to-date ``records`` view."""
        cursor = self._checkout()
        if cursor.view_generation != self._view_generation:
            cursor.view_generation = self._view_generation
            cursor.view = self.ws.refresh_records_view(cursor.con, current=cursor.view)
        try:
            yield cursor.con
        finally:
            with self._pool_lock:
                if len(self._idle) < IDLE_CURSORS:
                    self._idle.append(cursor)
                else:
                    cursor.con.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time, inside one transaction (all of it lands, or none)."""
        with self.write_lock, self.read() as con, transaction(con):
            yield con

    @property
    def generation(self) -> int:
        """How many changes the service has made to records and results."""
        return self._generation

    def changed(self, names: bool = True, view: bool = True) -> None:
        """Records or results changed: cached answers are dropped, names are brought up to date,
        and every cursor refreshes its view before its next use.

        ``names=False`` when the change already updated the names in its own transaction;
        ``view=False`` when it added no Parquet batch and no link (an inline batch), so the
        view's SQL is unchanged: it reads ``inline_records`` as the table is.
        """
        with self.write_lock:
            with self._pool_lock:
                self._generation += 1
                if view:
                    self._view_generation += 1  # the cursor below brings its view up to date
            if names:
                with self.read() as con:
                    refresh_names(con, self.ws)
                with self._pool_lock:
                    self._generation += 1  # and nothing cached while the names moved survives

    def close(self) -> None:
        with self._pool_lock:
            for cursor in self._idle:
                cursor.con.close()
            self._idle.clear()
        self._base.close()
