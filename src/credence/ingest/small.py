"""A file of a few rows (one record posted to the service), ingested inside the caller's
transaction.

The rows meet exactly the checks of any file (the same chunk plan, codes, consent and
quarantine), staged in memory. Unlike ``ingest_file``, nothing is committed here: the
caller writes what follows from the rows (the subject's rescore, the audit entries) in the same
transaction, so a record and its consequences land together or not at all.

With a few rows, each SQL statement costs more than the rows it moves, so the rows are checked
in one statement, and what the file path asks of SQL afterwards (counts, repeats, the subjects
named) is read here from the staged rows in Python; only the writes go to the catalog.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from credence.errors import IngestError
from credence.ingest.mapping import SourceMapping
from credence.ingest.pipeline import (
    BatchRow,
    batch_id_for,
    check_columns,
    is_committed,
    write_batch,
)
from credence.ingest.readers import fingerprint, open_source
from credence.ingest.report import FileReport, IngestReport
from credence.ingest.stage import stage_file
from credence.ingest.staging import INLINE_MAX_ROWS, Staging
from credence.store import Workspace
from credence.store.batch_files import BatchFile
from credence.store.names import hint_name
from credence.store.record_index import BatchFiles, known_ids
from credence.store.subjects import index_batch
from credence.store.workspace import INLINE_PATH

Subject = tuple[str, str]


@dataclass
class SmallIngest:
    """The batch's report, the subjects its new records name, its quarantined rows, and whether
    any new record gives a subject's name."""

    report: IngestReport
    subjects: list[Subject] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    names_given: bool = False


def ingest_small(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: SourceMapping,
    registered: bool = False,
    files: BatchFiles | None = None,
    on_subjects: Callable[[list[Subject]], None] | None = None,
) -> SmallIngest:
    """Stage, check and write one small file as an inline batch, inside an open transaction.

    The batch row and its one file (``batch_files``), its inline records, its quarantine rows
    and its subjects in the subject index are written; the same bytes again are the same batch
    and write nothing.
    ``registered``: the mapping is the one the catalog holds, so it is not written again;
    ``files``: the committed Parquet batches, when the caller keeps them; ``on_subjects`` is
    told the subjects the good rows name as soon as they are checked, before they are written
    (the service starts reading those subjects' history meanwhile; a row that turns out to be
    a repeat only costs a read).
    """
    started = time.perf_counter()
    digest = fingerprint(path)
    if digest.lines > INLINE_MAX_ROWS:
        raise IngestError(
            f"{path} has {digest.lines} lines; a small intake takes at most {INLINE_MAX_ROWS}"
        )
    source_file = open_source(path, digest.lines, mapping.encoding)
    check_columns(source_file, mapping)
    batch_id = batch_id_for(mapping.source, digest.sha256)
    report = IngestReport(mapping.source, str(path), batch_id, files=[FileReport(str(path))])
    if is_committed(con, batch_id):
        report.already_ingested = True
        return SmallIngest(report)
    staging = Staging(ws, batch_id, in_memory=True)
    try:
        reached = stage_file(con, source_file, mapping, report, staging)
        report.files = [FileReport(report.file, reached, 1)]
        rows = sorted(staging.rows, key=lambda r: r["row_number"])
        good = [r for r in rows if r["reason"] is None]
        named = _subjects_of(good)  # before repeats are known: the reading starts sooner
        if on_subjects is not None and named:
            on_subjects([(kind, code) for kind, code, _ in named])
        known = known_ids(ws, con, sorted({str(r["record_id"]) for r in good}), files)
        new = _first_of_each(good, known)
        subjects = _subjects_of(new)
        held = [r for r in rows if r["reason"] is not None]
        reasons = Counter(str(r["reason"]) for r in held)  # as staged_by_reason orders them
        report.loaded = len(new)
        report.duplicates = len(good) - len(new)
        report.quarantined = len(held)
        report.quarantined_by_reason = dict(sorted(reasons.items(), key=lambda r: (-r[1], r[0])))
        if new:
            staging.insert_inline(con, new)
        if held:  # the quarantine rows are copied from the staged relation
            staging.register(con)
        batch = BatchRow(
            batch_id, mapping.source, report.file, digest.sha256, INLINE_PATH, report.rows_in,
            report.loaded, report.quarantined, report.duplicates,
            (BatchFile(0, report.file, digest.sha256, 1, reached),),
        )  # fmt: skip
        staged = staging.relation if held else None  # only quarantine rows are copied from it
        write_batch(con, batch, mapping, staged, registered=registered)
        index_batch(ws, con, batch_id, INLINE_PATH, subjects=subjects)
    finally:
        staging.cleanup(con)
    report.seconds = round(time.perf_counter() - started, 3)
    return SmallIngest(
        report,
        [(kind, code) for kind, code, _ in subjects],
        [{"field": r["field"], "reason": r["reason"], "detail": r["detail"]} for r in held],
        any(_gives_name(r) for r in new),
    )


def _first_of_each(good: list[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    """The rows that go in: the first row of each record id (by row number) not already held."""
    seen: set[str] = set()
    first: list[dict[str, Any]] = []
    for row in good:
        record_id = str(row["record_id"])
        if record_id not in seen:
            seen.add(record_id)
            if record_id not in known:
                first.append(row)
    return first


def _subjects_of(rows: list[dict[str, Any]]) -> list[tuple[str, str, date | None]]:
    """(kind, code, first day) of every subject the rows name, in order."""
    first: dict[Subject, date | None] = {}
    for row in rows:
        if row["subject_code"] is None:
            continue
        key = (str(row["subject_kind"]), str(row["subject_code"]))
        day = row["occurred_at"]
        if key not in first or (day is not None and (first[key] is None or day < first[key])):
            first[key] = day
    return [(kind, code, day) for (kind, code), day in sorted(first.items())]


def _gives_name(row: dict[str, Any]) -> bool:
    """Whether a record's hints carry a name (what the names table is built from)."""
    hints = row["hints"]
    if not hints or row["subject_code"] is None:
        return False
    try:
        return hint_name(hints) is not None
    except ValueError:
        return True  # unreadable here: let the names table's own SQL decide
