"""Find records without reading every batch: by subject, and by record id.

A batch's Parquet parts are written sorted by subject (kind, code, then record id) in small row
groups, so a filter on one subject reads the one row group that holds it; DuckDB skips the rest
by their min/max statistics. Each batch also keeps ``index/ids.parquet``, its record ids sorted,
so asking whether an id is already in the workspace reads one small row group per batch instead
of every id. Both serve the online path: one new record, one subject rescored.

Batches written before this layout get their id index on first use (batches are immutable, so
an index once written stays true); their unsorted parts are still read correctly, only slower.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from credence.model import RECORD_COLUMNS, Override
from credence.sql import dict_rows
from credence.store.links import SUBJECT_LINKS
from credence.store.overrides import FOLDED, overrides_for
from credence.store.workspace import (
    INLINE_PATH,
    Workspace,
    lit,
    parquet_scan,
)

ID_INDEX = Path("index") / "ids.parquet"
# Small row groups keep a point lookup to a few thousand rows decoded: 4,096 rows of records is
# about 250 kB and decodes in about 1.5 ms (16,384 rows took 4 ms); a 4M-row part then has
# ~1,000 row groups of statistics in its footer, read once per process.
ROW_GROUP_ROWS = 4_096
SUBJECT_ORDER = "subject_kind, subject_code, record_id"


def parts_of(batch_dir: Path) -> list[str]:
    """The Parquet parts of one batch folder (the id index lives apart, under ``index/``)."""
    return sorted(p.as_posix() for p in batch_dir.glob("*.parquet"))


def write_id_index(con: duckdb.DuckDBPyConnection, batch_dir: Path) -> Path:
    """Write (atomically) the sorted record ids of a batch folder; return its path."""
    target = batch_dir / ID_INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    parts = parts_of(batch_dir)
    if parts:
        body = f"SELECT record_id FROM {parquet_scan(parts)}"
    else:
        body = "SELECT CAST(NULL AS VARCHAR) AS record_id WHERE false"
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    con.execute(
        f"COPY ({body} ORDER BY record_id) TO {lit(temporary.as_posix())} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
    os.replace(temporary, target)
    return target


@dataclass(frozen=True)
class BatchFiles:
    """The committed Parquet batches' files, in commit order: their parts and their id
    indexes. A long-lived caller keeps them while no Parquet batch is committed."""

    parts: list[str]
    id_indexes: list[str]


def batch_files(ws: Workspace, con: duckdb.DuckDBPyConnection) -> BatchFiles:
    """The parts and id indexes of every committed Parquet batch (one catalog query)."""
    paths = _batch_paths(con)
    return BatchFiles(
        [f for path in paths for f in ws.parts_of(path)], _id_indexes(ws, con, paths)
    )


def id_index_files(ws: Workspace, con: duckdb.DuckDBPyConnection) -> list[str]:
    """The id index of every committed batch, writing any that is missing."""
    return _id_indexes(ws, con, _batch_paths(con))


def _batch_paths(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        str(path)
        for (path,) in con.execute(
            "SELECT path FROM batches WHERE path <> ? ORDER BY committed_at, batch_id",
            [INLINE_PATH],
        ).fetchall()
    ]


def _id_indexes(ws: Workspace, con: duckdb.DuckDBPyConnection, paths: list[str]) -> list[str]:
    files: list[str] = []
    for path in paths:
        batch_dir = ws.root / path
        index = batch_dir / ID_INDEX
        if not index.is_file():
            if not batch_dir.is_dir():
                continue
            write_id_index(con, batch_dir)
        files.append(index.as_posix())
    return files


def known_ids_relation(ws: Workspace, con: duckdb.DuckDBPyConnection) -> str:
    """SQL for the ids already in the workspace: one ``record_id`` column."""
    parts = ["(SELECT CAST(NULL AS VARCHAR) AS record_id WHERE false)"]
    files = id_index_files(ws, con)
    if files:
        parts.append(f"(SELECT record_id FROM {parquet_scan(files)})")
    if ws.has_inline_records(con):
        parts.append("(SELECT record_id FROM inline_records)")
    return "(" + " UNION ALL ".join(parts) + ")"


def known_ids(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    files: BatchFiles | None = None,
) -> set[str]:
    """Which of a few record ids the workspace already holds: the id indexes are read only in
    the row groups whose band can hold one (``record_locator.py``), and the inline records."""
    if not ids:
        return set()
    indexes = files.id_indexes if files is not None else id_index_files(ws, con)
    found = ws.locator.present(indexes, "record_id", ids)
    if ws.has_inline_records(con):
        marks = ", ".join("?" for _ in ids)
        found.update(
            str(record_id)
            for (record_id,) in con.execute(
                f"SELECT record_id FROM inline_records WHERE record_id IN ({marks})", ids
            ).fetchall()
        )
    return found


def subject_records(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    subject_kind: str,
    subject_code: str,
    files: BatchFiles | None = None,
    parquet_rows: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every current record of one subject, as the ``records`` view would give them (see
    ``subject_history``)."""
    return subject_history(ws, con, subject_kind, subject_code, files, parquet_rows)[0]


def subject_history(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    subject_kind: str,
    subject_code: str,
    files: BatchFiles | None = None,
    parquet_rows: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Override]]:
    """Every current record of one subject, and the decisions on them.

    Rows carrying the subject's code are read from the row groups whose statistics can hold it
    (``record_locator.py``); the inline records, the subject's active links and the decisions
    come in one catalog query. Code-less rows linked to the subject are then looked up by record
    id, only when there are any. ``parquet_rows``: the rows ``subject_parquet_rows`` gave, when
    the caller read them already.
    """
    parts = files.parts if files is not None else ws.committed_files(con)
    if parquet_rows is None:
        parquet_rows = subject_parquet_rows(ws, parts, subject_kind, subject_code)
    rows = list(parquet_rows)
    inline = ws.has_inline_records(con)
    columns = ", ".join(RECORD_COLUMNS)
    blanks = ", ".join("NULL" for _ in RECORD_COLUMNS[1:])
    held = (
        f"SELECT {columns} FROM inline_records WHERE subject_code = $code "
        "AND subject_kind = $kind"
        if inline
        else f"SELECT {', '.join(f'NULL AS {c}' for c in RECORD_COLUMNS)} WHERE false"
    )
    found = con.execute(
        f"""WITH held AS ({held}),
        decided AS (SELECT {FOLDED} FROM record_overrides WHERE record_id IN
            (SELECT unnest($ids::VARCHAR[]) UNION ALL SELECT record_id FROM held)
            GROUP BY record_id)
        SELECT 'held' AS part, {columns}, NULL AS voided, NULL AS repaired_on FROM held
        UNION ALL SELECT 'linked', record_id, {blanks}, NULL, NULL
            FROM ({SUBJECT_LINKS.format(when='now()')})
        UNION ALL SELECT 'decided', record_id, {blanks}, voided, repaired_on FROM decided""",
        {"code": subject_code, "kind": subject_kind, "ids": [r["record_id"] for r in rows]},
    ).fetchall()
    linked: list[str] = []
    decisions: dict[str, Override] = {}
    for part, *values in found:
        if part == "held":
            rows.append(dict(zip(RECORD_COLUMNS, values[: len(RECORD_COLUMNS)], strict=True)))
        elif part == "linked":
            linked.append(str(values[0]))
        else:
            decisions[str(values[0])] = Override(
                voided=bool(values[-2]), repaired_on=values[-1]
            )
    if not linked:
        return rows, decisions
    # The linked rows carry no code: the Parquet ones are found by id where such rows sit.
    found_linked = [
        {**row, "subject_kind": subject_kind, "subject_code": subject_code}
        for row in ws.locator.codeless_rows(parts, linked)
    ]
    if inline:
        chosen = ", ".join(
            f"? AS {c}" if c in ("subject_kind", "subject_code") else c for c in RECORD_COLUMNS
        )
        marks = ", ".join("?" for _ in linked)
        found_linked += dict_rows(
            con.execute(
                f"SELECT {chosen} FROM inline_records "
                f"WHERE subject_code IS NULL AND record_id IN ({marks})",
                [subject_kind, subject_code, *linked],
            )
        )
    decisions.update(overrides_for(con, (r["record_id"] for r in found_linked)))
    return rows + found_linked, decisions


def subject_parquet_rows(
    ws: Workspace, parts: list[str], subject_kind: str, subject_code: str
) -> list[dict[str, Any]]:
    """The subject's rows in the batches' Parquet parts (no catalog needed: safe to run in a
    thread beside the connection's own work)."""
    return ws.locator.subject_rows(parts, subject_kind, subject_code)


def batch_subjects(
    ws: Workspace, con: duckdb.DuckDBPyConnection, batch_ids: list[str]
) -> list[tuple[str, str]]:
    """The subjects (kind, code) that the records of these committed batches name."""
    if not batch_ids:
        return []
    marks = ", ".join("?" for _ in batch_ids)
    paths = con.execute(
        f"SELECT DISTINCT path FROM batches WHERE batch_id IN ({marks})", batch_ids
    ).fetchall()
    scans = [
        f"SELECT subject_kind, subject_code FROM {parquet_scan(ws.parts_of(path))}"
        for (path,) in paths
        if path != INLINE_PATH and ws.parts_of(path)
    ]
    if any(path == INLINE_PATH for (path,) in paths):
        scans.append(
            "SELECT subject_kind, subject_code FROM inline_records "
            f"WHERE batch_id IN ({', '.join(lit(b) for b in batch_ids)})"
        )
    if not scans:
        return []
    found = con.execute(
        f"SELECT DISTINCT subject_kind, subject_code FROM ({' UNION ALL '.join(scans)}) "
        "WHERE subject_code IS NOT NULL ORDER BY ALL"
    ).fetchall()
    return [(str(kind), str(code)) for kind, code in found]
