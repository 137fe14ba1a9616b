"""Registered sources: their mappings in the catalog, and where a mapping is looked for."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from credence.errors import IngestError, MappingError, Problem
from credence.ingest.mapping import SourceMapping, load_mapping, parse_mapping
from credence.store import Workspace


def register_source(con: duckdb.DuckDBPyConnection, mapping: SourceMapping) -> None:
    """Insert or refresh a source's row; the first registration time is kept."""
    text = _yaml_of(mapping.model_dump_json())
    stored = con.execute(
        "SELECT mapping FROM sources WHERE source = ?", [mapping.source]
    ).fetchall()
    if stored and stored[0][0] == text:
        return  # the same mapping again (every record posted to the service): nothing to write
    con.execute(
        """INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, now())
        ON CONFLICT (source) DO UPDATE SET level = excluded.level, stream = excluded.stream,
            category = excluded.category, consent_required = excluded.consent_required,
            mapping = excluded.mapping""",
        [
            mapping.source,
            mapping.level,
            mapping.stream,
            mapping.category,
            mapping.consent_required,
            text,
        ],
    )


@lru_cache(maxsize=256)
def _yaml_of(dumped: str) -> str:
    """A mapping's YAML, from its JSON dump (cheap to make, and a good cache key)."""
    return SourceMapping.model_validate_json(dumped).to_yaml()


@lru_cache(maxsize=256)
def _parsed(text: str, where: str) -> SourceMapping:
    return parse_mapping(text, where)


def stored_mapping(con: duckdb.DuckDBPyConnection, source: str) -> SourceMapping | None:
    """The mapping kept in the catalog for ``source``, or None when it was never registered."""
    rows = con.execute("SELECT mapping FROM sources WHERE source = ?", [source]).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return _parsed(str(rows[0][0]), f"catalog sources[{source}]").model_copy(deep=True)


def find_mapping(
    ws: Workspace, source_name: str, data_file: Path, mapping_path: Path | None = None
) -> SourceMapping:
    """The mapping for a source: ``mapping_path``, else ``<source>.yaml`` beside the data file,
    else the one registered in the workspace; it must be the mapping of ``source_name``."""
    if mapping_path is not None:
        mapping = load_mapping(Path(mapping_path))
        where = str(mapping_path)
    else:
        beside = Path(data_file).parent / f"{source_name}.yaml"
        if beside.is_file():
            mapping, where = load_mapping(beside), str(beside)
        else:
            con = ws.connect()
            try:
                found = stored_mapping(con, source_name)
            finally:
                con.close()
            if found is None:
                raise IngestError(
                    f"no mapping for source '{source_name}': give --mapping, put {beside} beside"
                    f" the data, or ingest once with a mapping so {ws.catalog_path} keeps it"
                )
            mapping, where = found, f"catalog of {ws.root}"
    if mapping.source != source_name:
        raise MappingError(
            f"source mapping {where} is for another source",
            [Problem(f"{where}: source", f"is '{mapping.source}', expected '{source_name}'")],
        )
    return mapping


@dataclass(frozen=True)
class SourceSummary:
    """A registered source with what has been ingested from it."""

    source: str
    level: str
    stream: str
    category: str
    consent_required: bool
    batches: int
    records: int
    quarantined: int
    duplicates: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_sources(con: duckdb.DuckDBPyConnection) -> list[SourceSummary]:
    """Every registered source with its committed batch and row counts."""
    rows = con.execute(
        """SELECT s.source, s.level, s.stream, s.category, s.consent_required,
            count(b.batch_id), coalesce(sum(b.rows_loaded), 0),
            coalesce(sum(b.rows_quarantined), 0), coalesce(sum(b.rows_duplicate), 0)
        FROM sources s LEFT JOIN batches b USING (source)
        GROUP BY ALL ORDER BY s.source"""
    ).fetchall()
    return [
        SourceSummary(src, level, stream, cat, bool(consent), *(int(n) for n in counts))
        for src, level, stream, cat, consent, *counts in rows
    ]
