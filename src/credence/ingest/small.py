"""A file of a few rows (one record posted to the service), ingested inside the caller's
transaction.

The rows meet exactly the checks of any file (the same chunk plan, codes, consent and
quarantine), staged in memory. Unlike ``ingest_file``, nothing is committed here: the caller
writes what follows from the rows (the subject's rescore, the audit entries) in the same
transaction, so a record and its consequences land together or not at all.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from credence.errors import IngestError
from credence.ingest.mapping import SourceMapping
from credence.ingest.pipeline import (
    BatchRow,
    IngestReport,
    batch_id_for,
    check_columns,
    is_committed,
    stage_file,
    write_batch,
)
from credence.ingest.readers import fingerprint, open_source
from credence.ingest.staging import INLINE_MAX_ROWS, INLINE_NEW, Staging
from credence.store import Workspace
from credence.store.subjects import index_batch
from credence.store.workspace import INLINE_PATH

Subject = tuple[str, str]


@dataclass
class SmallIngest:
    """The batch's report, the subjects its new records name, and its quarantined rows."""

    report: IngestReport
    subjects: list[Subject] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)


def ingest_small(
    ws: Workspace, con: duckdb.DuckDBPyConnection, path: Path, mapping: SourceMapping
) -> SmallIngest:
    """Stage, check and write one small file as an inline batch, inside an open transaction.

    The batch row, its inline records, its quarantine rows and its subjects in the subject
    index are written; the same bytes again are the same batch and write nothing.
    """
    started = time.perf_counter()
    digest = fingerprint(path)
    if digest.lines > INLINE_MAX_ROWS:
        raise IngestError(
            f"{path} has {digest.lines} lines; a small intake takes at most {INLINE_MAX_ROWS}"
        )
    source_file = open_source(path, digest.lines)
    check_columns(source_file, mapping)
    batch_id = batch_id_for(mapping.source, digest.sha256)
    report = IngestReport(mapping.source, str(path), batch_id)
    if is_committed(con, batch_id):
        report.already_ingested = True
        return SmallIngest(report)
    staging = Staging(ws, batch_id, in_memory=True)
    staging.reset(con)
    try:
        stage_file(con, source_file, mapping, report, staging, None)
        good = staging.count_good(con)
        report.loaded = staging.write_records(con, inline=True)
        report.duplicates = good - report.loaded
        held = con.execute(
            f"SELECT field, reason, detail FROM {staging.relation} "
            "WHERE reason IS NOT NULL ORDER BY row_number"
        ).fetchall()
        reasons = Counter(reason for _, reason, _ in held)  # as staged_by_reason orders them
        report.quarantined_by_reason = dict(sorted(reasons.items(), key=lambda r: (-r[1], r[0])))
        report.quarantined = len(held)
        named = con.execute(
            f"SELECT DISTINCT subject_kind, subject_code FROM {INLINE_NEW} "
            "WHERE subject_code IS NOT NULL ORDER BY ALL"
        ).fetchall()
        batch = BatchRow(
            batch_id, mapping.source, report.file, digest.sha256, INLINE_PATH, report.rows_in,
            report.loaded, report.quarantined, report.duplicates,
        )  # fmt: skip
        write_batch(con, batch, mapping, staging.relation, inline=True)
        index_batch(ws, con, batch_id, INLINE_PATH)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {INLINE_NEW}")
        staging.cleanup(con)
    report.seconds = round(time.perf_counter() - started, 3)
    return SmallIngest(
        report,
        [(str(kind), str(code)) for kind, code in named],
        [{"field": f, "reason": r, "detail": d} for f, r, d in held],
    )
