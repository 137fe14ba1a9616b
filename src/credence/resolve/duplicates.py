"""The same record held at two levels counts once.

A district bureau and the city keep copies of the same decision: the same subject, kind, day
and amount, under two record ids from two sources at different levels. The copy at the lower
level is voided as a duplicate of the one kept at the higher level (a decision in
``record_overrides``, with its reason), so scoring counts the event once and a listing resting
on the copy shows as revoked. Rows must be resolved first: a copy without a code has no subject
to compare until it is linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from credence.resolve.tables import ensure_tables
from credence.store.overrides import add_override

DECIDED_BY = "resolver"
_LEVEL_RANK = "CASE level WHEN 'national' THEN 4 WHEN 'province' THEN 3 WHEN 'city' THEN 2 " \
    "WHEN 'district' THEN 1 ELSE 0 END"  # fmt: skip
_SAME = "subject_kind, subject_code, kind, occurred_at, amount"  # one event, wherever it is held
_FIRST = "rank_level DESC, record_id"  # the copy kept: the highest level


@dataclass(frozen=True)
class Copy:
    """A record found to be a lower-level copy of another."""

    record_id: str
    level: str
    kept_record_id: str
    kept_level: str


def find_copies(con: duckdb.DuckDBPyConnection) -> list[Copy]:
    """Records held again at a higher level, not yet voided: the lower-level copies."""
    ensure_tables(con)
    rows = con.execute(
        f"""WITH r AS (
            SELECT record_id, level, subject_kind, subject_code, kind, occurred_at, amount,
                {_LEVEL_RANK} AS rank_level
            FROM records
            WHERE subject_code IS NOT NULL AND level <> 'private' AND category <> 'consent'),
        keyed AS (
            SELECT *, max(rank_level) OVER (PARTITION BY {_SAME}) AS top,
                first_value(record_id) OVER (PARTITION BY {_SAME} ORDER BY {_FIRST}) AS kept,
                first_value(level) OVER (PARTITION BY {_SAME} ORDER BY {_FIRST}) AS kept_level
            FROM r)
        SELECT record_id, level, kept, kept_level FROM keyed
        WHERE rank_level < top AND rank_level > 0
            AND record_id NOT IN (SELECT record_id FROM record_overrides WHERE action = 'void')
            AND record_id NOT IN (SELECT record_id FROM resolve_duplicates)
        ORDER BY record_id"""
    ).fetchall()
    return [Copy(*row) for row in rows]


def void_copies(con: duckdb.DuckDBPyConnection, copies: list[Copy]) -> int:
    """Void each copy as a duplicate of the record kept, and remember the pair."""
    now = datetime.now(UTC)
    for copy in copies:
        add_override(
            con, copy.record_id, "void",
            reason=f"duplicate of {copy.kept_record_id} held at {copy.kept_level} level",
            decided_by=DECIDED_BY, reference=copy.kept_record_id,
        )  # fmt: skip
        con.execute(
            "INSERT INTO resolve_duplicates VALUES (?, ?, ?, ?, ?)",
            [copy.record_id, copy.level, copy.kept_record_id, copy.kept_level, now],
        )
    return len(copies)
