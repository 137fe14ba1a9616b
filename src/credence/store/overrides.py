"""Decisions on single records, kept in the catalog: voided (upheld appeal) or repaired.

Records themselves are never edited (batches are append-only); a decision is a row here, with
who decided, when and why, and the scoring plan and the explainer both read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import duckdb

from credence.errors import CredenceError
from credence.model import Override

ACTIONS = ("void", "repair")


def add_override(
    con: duckdb.DuckDBPyConnection,
    record_id: str,
    action: str,
    reason: str,
    decided_by: str,
    reference: str | None = None,
    effective_on: date | None = None,
) -> None:
    """Record a decision on a record; a repair needs the day it takes effect."""
    if action not in ACTIONS:
        raise CredenceError(f"unknown decision {action!r}: choose one of {', '.join(ACTIONS)}")
    if action == "repair" and effective_on is None:
        raise CredenceError("a credit repair needs the day it takes effect")
    con.execute(
        "INSERT INTO record_overrides VALUES (?, ?, ?, ?, ?, ?, ?)",
        [record_id, action, effective_on, reason, reference, decided_by, datetime.now(UTC)],
    )


# How the decisions on one record fold (grouped by record): voided by any void, repaired from
# its earliest repair. The scoring plan folds them the same way.
FOLDED = (
    "record_id, bool_or(action = 'void') AS voided, "
    "min(effective_on) FILTER (action = 'repair') AS repaired_on"
)


def overrides_for(con: duckdb.DuckDBPyConnection, record_ids: Iterable[str]) -> dict[str, Override]:
    """The decisions on the given records, folded as the scoring plan folds them."""
    ids = sorted(set(record_ids))
    if not ids:
        return {}
    rows = con.execute(
        f"SELECT {FOLDED} FROM record_overrides WHERE record_id IN (SELECT unnest(?::VARCHAR[])) "
        "GROUP BY record_id",
        [ids],
    ).fetchall()
    return {
        rid: Override(voided=bool(voided), repaired_on=repaired) for rid, voided, repaired in rows
    }


def limit_overrides_to(con: duckdb.DuckDBPyConnection, known_at: datetime) -> None:
    """Shadow the table with the decisions taken by ``known_at`` (for reproducing a run)."""
    (database,) = con.execute("SELECT current_database()").fetchone() or ("main",)
    stamp = known_at.isoformat()  # a datetime's own text: views take no parameters
    con.execute(
        "CREATE OR REPLACE TEMP VIEW record_overrides AS "
        f'SELECT * FROM "{database}".main.record_overrides '
        f"WHERE decided_at <= TIMESTAMPTZ '{stamp}'"
    )
