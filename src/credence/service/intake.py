"""A new record from an operator: one row of a registered source, through the ordinary ingest.

The row is written as a one-line JSON Lines file under ``intake/<source>/`` in the workspace (its
provenance, named by its content) and ingested with the source's registered mapping, so it meets
the same checks and quarantine as a whole export. The same row posted twice is the same batch and
adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from credence.errors import IngestError, NotFoundError
from credence.ingest.pipeline import IngestReport, ingest_file
from credence.ingest.registry import stored_mapping
from credence.store import Workspace
from credence.store.record_index import batch_subjects

INTAKE_DIR = "intake"


@dataclass(frozen=True)
class Intake:
    """What happened to the row, and whose record it became (when it went in)."""

    report: IngestReport
    subject: tuple[str, str] | None
    quarantine: list[dict[str, Any]]


def add_record(
    ws: Workspace, con: duckdb.DuckDBPyConnection, source: str, row: dict[str, Any]
) -> Intake:
    """Ingest one row of ``source`` through the caller's connection ``con``."""
    mapping = stored_mapping(con, source)
    if mapping is None:
        raise NotFoundError(f"no registered source {source!r}: see GET /operator/sources")
    line = json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
    folder = ws.root / INTAKE_DIR / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(line.encode('utf-8')).hexdigest()[:24]}.jsonl"
    path.write_text(line, encoding="utf-8")
    try:
        report = ingest_file(ws, path, mapping, con=con)
    except duckdb.Error as error:
        raise IngestError(f"the row of {source} could not be read: {error}") from error
    found = batch_subjects(ws, con, [report.batch_id]) if report.loaded else []
    held = con.execute(
        "SELECT field, reason, detail FROM quarantine WHERE batch_id = ? ORDER BY row_number",
        [report.batch_id],
    ).fetchall()
    subject = found[0] if found else None
    quarantined = [{"field": f, "reason": r, "detail": d} for f, r, d in held]
    return Intake(report, subject, quarantined)
