"""The catalog tables of the rights: appeals, repairs, link judgements.

They are created on first use (``CREATE TABLE IF NOT EXISTS``), so a workspace made before the
service existed gains them without a migration step.
"""

from __future__ import annotations

import duckdb

from credence.rights.disclosure import DISCLOSURE_DDL

RIGHTS_DDL = (
    """CREATE TABLE IF NOT EXISTS appeals (
        appeal_id VARCHAR PRIMARY KEY, kind VARCHAR, subject_kind VARCHAR, subject_code VARCHAR,
        record_id VARCHAR, list_name VARCHAR, reason VARCHAR, filed_on DATE,
        filed_at TIMESTAMPTZ, decide_by DATE, state VARCHAR, decided_on DATE,
        decided_by VARCHAR, decision_reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS repairs (
        repair_id VARCHAR PRIMARY KEY, subject_kind VARCHAR, subject_code VARCHAR,
        record_id VARCHAR, requirement_id VARCHAR, severity VARCHAR, evidence VARCHAR,
        filed_on DATE, filed_at TIMESTAMPTZ, possible_from DATE, state VARCHAR,
        decided_on DATE, decided_by VARCHAR, decision_reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS link_judgements (
        record_id VARCHAR, subject_code VARCHAR, judgement VARCHAR, appeal_id VARCHAR,
        decided_by VARCHAR, decided_on DATE, decided_at TIMESTAMPTZ)""",
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the rights tables that are missing (idempotent)."""
    for statement in RIGHTS_DDL + DISCLOSURE_DDL:
        con.execute(statement)

