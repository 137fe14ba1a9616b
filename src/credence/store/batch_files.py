"""The files of each batch (the catalog's ``batch_files``): which batch rows came from which file.

Why: a batch may be many files of one source (a nightly export in several parts). Its records
are numbered batch-wide (file k's row r is ``first_row + r - 1``), so a row number alone no
longer says where a row came from; this table turns it back into the file and its own row.
Catalogs older than the table have none of its rows: readers then fall back to
``batches.file``, where the row number is the file's own.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class BatchFile:
    """One file of a batch: its place in the batch, what it was, and the rows it numbered."""

    file_index: int
    file: str
    file_sha256: str
    first_row: int  # the batch row number of its row 1
    rows: int  # the highest row number the reader reached in it

    def local_row(self, row_number: int) -> int:
        """The file's own row number of a batch row number."""
        return row_number - self.first_row + 1


def insert_batch_files(
    con: duckdb.DuckDBPyConnection, batch_id: str, files: Sequence[BatchFile]
) -> None:
    """Write a batch's files (inside the caller's commit transaction)."""
    if not files:
        return
    marks = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in files)
    values = [
        value
        for f in files
        for value in (batch_id, f.file_index, f.file, f.file_sha256, f.first_row, f.rows)
    ]
    con.execute(f"INSERT INTO batch_files VALUES {marks}", values)


def files_of_batches(
    con: duckdb.DuckDBPyConnection, batch_ids: Iterable[str]
) -> dict[str, list[BatchFile]]:
    """The files of each of these batches in order; a batch without rows (or a catalog without
    the table, opened read-only before it was migrated) is simply absent."""
    wanted = sorted(set(batch_ids))
    if not wanted:
        return {}
    try:
        rows = con.execute(
            "SELECT batch_id, file_index, file, file_sha256, first_row, rows FROM batch_files"
            " WHERE list_contains(?::VARCHAR[], batch_id) ORDER BY batch_id, file_index",
            [wanted],
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    found: dict[str, list[BatchFile]] = {}
    for batch_id, index, file, sha, first, count in rows:
        found.setdefault(str(batch_id), []).append(
            BatchFile(int(index), str(file), str(sha), int(first), int(count))
        )
    return found


def file_of_row(files: Sequence[BatchFile], row_number: int) -> BatchFile | None:
    """The file holding this batch row number (``files`` in batch order), or None."""
    at = bisect.bisect_right([f.first_row for f in files], row_number) - 1
    if at < 0:
        return None
    found = files[at]
    return found if row_number < found.first_row + found.rows else None
