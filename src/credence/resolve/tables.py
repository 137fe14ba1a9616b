"""The catalog tables of resolution, created on first use (``CREATE TABLE IF NOT EXISTS``).

The links themselves live in ``record_links`` (``credence.store.links``); these tables hold what
resolution needs around them: the registry, configs, trained models, judgements on pairs, the
review queue and the copies found held at two levels.
"""

from __future__ import annotations

import duckdb

RESOLVE_DDL = (
    """CREATE TABLE IF NOT EXISTS subject_registry (
        subject_code VARCHAR, subject_kind VARCHAR, name VARCHAR, former_names VARCHAR[],
        address VARCHAR, birth_date DATE, legacy_id VARCHAR, district VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS resolve_configs (
        config_key VARCHAR PRIMARY KEY, body VARCHAR, stored_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS resolve_models (
        model_id VARCHAR, config_key VARCHAR, config_digest VARCHAR, trained_at TIMESTAMPTZ,
        left_rows BIGINT, right_rows BIGINT, em_rules VARCHAR, model VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS resolve_judgements (
        record_id VARCHAR, subject_kind VARCHAR, subject_code VARCHAR, judgement VARCHAR,
        probability DOUBLE, pair_id VARCHAR, decided_by VARCHAR, decided_at TIMESTAMPTZ,
        reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS resolve_review (
        pair_id VARCHAR, record_id VARCHAR, source VARCHAR, subject_kind VARCHAR,
        subject_code VARCHAR, probability DOUBLE, match_weight DOUBLE, rank INTEGER,
        model_id VARCHAR, queued_at TIMESTAMPTZ, status VARCHAR, closed_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS resolve_duplicates (
        record_id VARCHAR, level VARCHAR, kept_record_id VARCHAR, kept_level VARCHAR,
        decided_at TIMESTAMPTZ)""",
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the resolution tables that are missing (idempotent)."""
    for statement in RESOLVE_DDL:
        con.execute(statement)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the catalog holds a table (read-only connections cannot create them)."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows[0][0])
