"""The catalog tables, created once per workspace (IF NOT EXISTS keeps it idempotent)."""

from __future__ import annotations

import duckdb

from credence.birth_regions import ensure_region_table
from credence.model import RECORD_COLUMNS, RECORD_SQL_TYPES
from credence.store.results import migrate_results

SCHEMA_VERSION = 1
# A batch of a few rows (one record from the API, a handful of corrections) keeps its records
# here, in the catalog, instead of as a tiny Parquet folder of its own: the online path then
# reads one indexed table rather than a file per posted record. Big batches stay in Parquet.
INLINE_RECORDS_DDL = (
    "CREATE TABLE IF NOT EXISTS inline_records ("
    + ", ".join(f"{c} {RECORD_SQL_TYPES[c]}" for c in RECORD_COLUMNS)
    + ")"
)

CATALOG_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS sources (
        source VARCHAR PRIMARY KEY, level VARCHAR, stream VARCHAR, category VARCHAR,
        consent_required BOOLEAN, mapping VARCHAR, registered_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS batches (
        batch_id VARCHAR PRIMARY KEY, source VARCHAR, file VARCHAR, file_sha256 VARCHAR,
        path VARCHAR, rows_in BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        rows_duplicate BIGINT, committed_at TIMESTAMPTZ)""",
    # The files of each batch, in order: file k's row r is the batch's row first_row + r - 1.
    """CREATE TABLE IF NOT EXISTS batch_files (
        batch_id VARCHAR, file_index INTEGER, file VARCHAR, file_sha256 VARCHAR,
        first_row BIGINT, rows BIGINT)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        batch_id VARCHAR, source VARCHAR, file VARCHAR, row_number BIGINT, field VARCHAR,
        reason VARCHAR, detail VARCHAR, raw VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS subjects (
        subject_kind VARCHAR, subject_code VARCHAR, first_seen DATE)""",
    "CREATE TABLE IF NOT EXISTS subject_index_batches (batch_id VARCHAR)",
    """CREATE TABLE IF NOT EXISTS record_overrides (
        record_id VARCHAR, action VARCHAR, effective_on DATE, reason VARCHAR,
        reference VARCHAR, decided_by VARCHAR, decided_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS record_links (
        record_id VARCHAR, subject_kind VARCHAR, subject_code VARCHAR, probability DOUBLE,
        method VARCHAR, reference VARCHAR, decided_by VARCHAR, decided_at TIMESTAMPTZ,
        undone_at TIMESTAMPTZ, undo_reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS rulesets (
        ruleset VARCHAR, version VARCHAR, ruleset_hash VARCHAR PRIMARY KEY, body VARCHAR,
        stored_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS score_runs (
        run_id VARCHAR PRIMARY KEY, as_of DATE, ruleset VARCHAR, version VARCHAR,
        ruleset_hash VARCHAR, engine VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
        subjects BIGINT, lines BIGINT)""",
    INLINE_RECORDS_DDL,
)


# Columns added after a table first shipped: existing workspaces gain them on open.
CATALOG_COLUMNS = (
    "ALTER TABLE rulesets ADD COLUMN IF NOT EXISTS published_at TIMESTAMPTZ",
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS known_at TIMESTAMPTZ",
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS results_digest VARCHAR",
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS scored BIGINT",
    # The schema holding the run's results (NULL once no longer kept), whether it was ever made
    # current, and the run it reproduced.
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS storage VARCHAR",
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS published BOOLEAN",
    "ALTER TABLE score_runs ADD COLUMN IF NOT EXISTS reproduces VARCHAR",
)


# A subject's links are read on the online path (one subject's history): by code, then by the
# records they name (``store/links.py``). Kept by DuckDB on every write; built on open when absent.
CATALOG_INDEXES = (
    "CREATE INDEX IF NOT EXISTS record_links_by_code ON record_links (subject_code)",
    "CREATE INDEX IF NOT EXISTS record_links_by_record ON record_links (record_id)",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create the catalog tables and indexes that are missing and stamp the schema version."""
    for statement in (*CATALOG_DDL, *CATALOG_COLUMNS, *CATALOG_INDEXES):
        con.execute(statement)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )
    migrate_results(con)
    ensure_region_table(con)
