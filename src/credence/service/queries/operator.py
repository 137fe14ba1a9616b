"""What the operator's dashboard and queues read: grades, lists, ingest, quarantine, sources."""

from __future__ import annotations

from datetime import date

import duckdb

from credence.ingest.registry import stored_mapping
from credence.rights.basis import Basis
from credence.rights.tables import ensure_tables
from credence.runs.reports import grade_distribution, ingest_totals, list_counts
from credence.service.queries.common import mask_text, rows_as
from credence.service.schemas import Dashboard, QuarantineRow, SourceOut


def dashboard(con: duckdb.DuckDBPyConnection, basis: Basis, today: date) -> Dashboard:
    """Grade distribution, list counts, ingest totals and the queues with their deadlines."""
    ensure_tables(con)
    appeals = con.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE decide_by < ?) FROM appeals WHERE state = 'open'",
        [today],
    ).fetchone() or (0, 0)
    (repairs,) = con.execute("SELECT COUNT(*) FROM repairs WHERE state = 'open'").fetchone() or (0,)
    ingest = ingest_totals(con)
    return Dashboard(
        as_of=basis.as_of if basis.run_id else None,
        run_id=basis.run_id,
        ruleset=basis.ruleset.ruleset,
        version=basis.ruleset.version,
        grades=grade_distribution(con, basis.ruleset, basis.results) if basis.run_id else {},
        lists=list_counts(con, basis.results) if basis.run_id else [],
        ingest=ingest,
        appeals_open=int(appeals[0]),
        appeals_overdue=int(appeals[1]),
        repairs_open=int(repairs),
        quarantined=int(ingest["quarantined"]),
    )


def quarantine(
    con: duckdb.DuckDBPyConnection, source: str | None, limit: int, offset: int
) -> list[QuarantineRow]:
    """Quarantined rows with their reason; identity numbers in the raw row masked."""
    rows = rows_as(
        con,
        "SELECT source, file, row_number, field, reason, detail, raw FROM quarantine "
        "WHERE ? IS NULL OR source = ? ORDER BY source, file, row_number LIMIT ? OFFSET ?",
        [source, source, limit, offset],
    )
    return [
        QuarantineRow.model_validate(
            {**r, "raw": mask_text(r["raw"]), "detail": mask_text(r["detail"])}
        )
        for r in rows
    ]


def sources(con: duckdb.DuckDBPyConnection) -> list[SourceOut]:
    """Registered sources with the columns a new record of each must give."""
    out = []
    for (name,) in con.execute("SELECT source FROM sources ORDER BY source").fetchall():
        mapping = stored_mapping(con, str(name))
        if mapping is None:
            continue
        out.append(
            SourceOut(
                source=mapping.source,
                level=mapping.level,
                stream=mapping.stream,
                category=mapping.category,
                columns=mapping.columns(),
                kinds=list(mapping.kinds),
            )
        )
    return out
