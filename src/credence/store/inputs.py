"""The inputs of a run, built once: the records (batches, inline records, active identity links),
the subjects and the decisions on single records, as of the run's knowledge time.

The records are one sqlglot tree over a relation ``raw_records`` (the committed rows as ingested)
and ``record_links`` (the judgements of resolution and reviewers), printed per dialect: DuckDB
reads it as the ``records`` view of every connection, Spark over the files it reads itself, the
governance sandbox over the files and a copy of the links. So a link that counts for one counts
for all (see docs/architecture.md, "The run inputs").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from credence.model import RECORD_COLUMNS, RECORD_SQL_TYPES
from credence.sql import lit
from credence.store.links import active_links

RAW = "raw_records"
LINKS = "record_links"
SUBJECT_KEYS = ("subject_kind", "subject_code")
# A batch whose rows are in the catalog's ``inline_records`` has this ``path``.
INLINE_PATH = "inline"

# Each code-less row takes the subject of its active link (``store/links.py``); rows carrying
# a code never meet the join. The links are few: an engine that moves data broadcasts them (the
# hint; DuckDB ignores it).
_ACTIVE = active_links("__when__")


def when_sql(known_at: datetime | None) -> str:
    """The knowledge time as DuckDB SQL: a literal, or now() for the workspace as it is."""
    return f"TIMESTAMPTZ {lit(known_at.isoformat())}" if known_at is not None else "now()"


def _when(known_at: datetime | None) -> exp.Expr:
    if known_at is None:
        return exp.CurrentTimestamp()
    return exp.cast(exp.Literal.string(known_at.isoformat()), exp.DataType.build("TIMESTAMPTZ"))


def records_tree(known_at: datetime | None, links: bool) -> exp.Expr:
    """The records as of ``known_at``: ``raw_records`` with code-less rows linked (if ``links``)."""
    columns = ", ".join(RECORD_COLUMNS)
    if not links:
        return sqlglot.parse_one(f"SELECT {columns} FROM {RAW}", read="duckdb")
    linked = ", ".join(
        f"CASE WHEN l.record_id IS NULL THEN r.{c} ELSE l.{c} END AS {c}"
        if c in SUBJECT_KEYS
        else f"r.{c}"
        for c in RECORD_COLUMNS
    )
    text = (
        f"WITH active AS ({_ACTIVE}) "
        f"SELECT {columns} FROM {RAW} WHERE subject_code IS NOT NULL "
        f"UNION ALL SELECT /*+ BROADCAST(l) */ {linked} FROM {RAW} AS r "
        "LEFT JOIN active AS l ON l.record_id = r.record_id WHERE r.subject_code IS NULL"
    )
    tree = sqlglot.parse_one(text.replace("__when__", "CURRENT_TIMESTAMP"), read="spark")
    stamp = _when(known_at)
    return tree.transform(
        lambda node: stamp.copy() if isinstance(node, exp.CurrentTimestamp) else node
    )


@functools.lru_cache(maxsize=64)
def records_sql(dialect: str, known_at: datetime | None, links: bool) -> str:
    """The records tree printed for one engine (printed once per knowledge time)."""
    return records_tree(known_at, links).sql(dialect=dialect, unsupported_level=ErrorLevel.IGNORE)


def empty_records_sql() -> str:
    """No rows, in the records' columns and types (a workspace before its first batch)."""
    typed = ", ".join(f"CAST(NULL AS {RECORD_SQL_TYPES[c]}) AS {c}" for c in RECORD_COLUMNS)
    return f"SELECT {typed} WHERE false"


def parquet_scan(files: list[str] | tuple[str, ...]) -> str:
    """DuckDB SQL reading record files (batch folders are named ``batch=...``: no hive columns)."""
    return f"read_parquet([{', '.join(lit(f) for f in files)}], hive_partitioning = false)"


def inline_records_sql(
    con: duckdb.DuckDBPyConnection, known_at: datetime | None = None
) -> str | None:
    """SQL for the committed inline records (by ``known_at``); None where the catalog predates
    them. Rows enter ``inline_records`` only in their batch's commit, so all are committed."""
    try:
        con.execute("SELECT 1 FROM inline_records LIMIT 0")
    except duckdb.CatalogException:
        return None
    body = f"SELECT {', '.join(RECORD_COLUMNS)} FROM inline_records"
    if known_at is not None:
        body += (
            " WHERE batch_id IN (SELECT batch_id FROM batches "
            f"WHERE committed_at <= {when_sql(known_at)})"
        )
    return body


def has_links(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the catalog holds any identity link (none: the records need no join)."""
    try:
        found = con.execute("SELECT EXISTS (SELECT 1 FROM record_links)").fetchone()
    except duckdb.CatalogException:
        return False
    return bool(found and found[0])


@dataclass(frozen=True)
class RunInputs:
    """What a run reads: the committed record files and inline records, whether any identity
    link exists, and the knowledge time (None: the workspace as it is now)."""

    files: tuple[str, ...]
    inline: str | None  # DuckDB SQL for the inline records, when the catalog has them
    links: bool
    known_at: datetime | None = None
    # Every committed record as files (the parts and a snapshot of the inline records), for an
    # engine that reads files itself; empty unless asked for (``Workspace.inputs``).
    as_files: tuple[str, ...] = ()

    def raw_sql(self) -> str:
        """DuckDB SQL for the committed rows as ingested (files, then inline records)."""
        body = (
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM {parquet_scan(self.files)}"
            if self.files
            else empty_records_sql()
        )
        return body if self.inline is None else f"{body} UNION ALL {self.inline}"

    def records_sql(self, dialect: str = "duckdb") -> str:
        """The records for an engine; DuckDB's reads the catalog and the files itself, any other
        engine binds ``raw_records`` and ``record_links`` (see ``links_sql``)."""
        tree = records_sql(dialect, self.known_at, self.links)
        if dialect != "duckdb":
            return tree
        if not self.links:
            return self.raw_sql()
        # The tree opens with its own WITH: the raw rows join it as its first named query.
        assert tree.startswith("WITH ")
        return f"WITH {RAW} AS ({self.raw_sql()}), {tree[len('WITH '):]}"

    def subjects_sql(self) -> str:
        """The subjects a run rates: the catalog's index, or, as of a past knowledge time, the
        subjects those records name."""
        if self.known_at is None:
            return "SELECT subject_kind, subject_code, first_seen FROM main.subjects"
        return (
            "SELECT subject_kind, subject_code, MIN(occurred_at) AS first_seen "
            f"FROM ({self.records_sql()}) WHERE subject_code IS NOT NULL "
            "GROUP BY subject_kind, subject_code"
        )

    def overrides_sql(self) -> str:
        """The decisions on single records taken by the knowledge time."""
        body = "SELECT * FROM main.record_overrides"
        if self.known_at is None:
            return body
        return f"{body} WHERE decided_at <= {when_sql(self.known_at)}"

    def links_sql(self) -> str:
        """The identity links, for an engine that reads them itself (its tree applies the time)."""
        return f"SELECT * FROM main.{LINKS}"


def run_inputs(
    con: duckdb.DuckDBPyConnection,
    files: list[str],
    known_at: datetime | None = None,
    as_files: list[str] | None = None,
) -> RunInputs:
    """The inputs of a run over the catalog ``con`` and the committed record ``files``."""
    inline = inline_records_sql(con, known_at)
    return RunInputs(tuple(files), inline, has_links(con), known_at, tuple(as_files or ()))
