"""Links from rows without a code to subjects: judgements that resolution and reviewers make.

Records are never rewritten. A link is a row here (who or what decided, when, with what
probability), and the ``records`` view fills the subject of a code-less row from its active link.
Undoing a link keeps the row and stamps when and why, so every judgement stays on record and a
past run can still be reproduced with what was known then.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from credence.errors import CredenceError
from credence.model import RECORD_COLUMNS

# A link counts from decided_at until it is undone; ``{when}`` is a timestamp literal or now().
_ACTIVE = (
    "SELECT record_id, arg_max(subject_kind, decided_at) AS subject_kind, "
    "arg_max(subject_code, decided_at) AS subject_code FROM record_links "
    "WHERE decided_at <= {when} AND (undone_at IS NULL OR undone_at > {when}) "
    "GROUP BY record_id"
)


def with_links(body: str, known_at: datetime | None = None) -> str:
    """Wrap a records query so code-less rows take the subject of their active link.

    Rows that already carry a code pass through untouched (no join on the hot path).
    """
    when = f"TIMESTAMPTZ '{known_at.isoformat()}'" if known_at else "now()"
    active = _ACTIVE.format(when=when)
    linked = ", ".join(
        f"l.{c}" if c in ("subject_kind", "subject_code") else f"r.{c}" for c in RECORD_COLUMNS
    )
    columns = ", ".join(RECORD_COLUMNS)
    return (
        f"WITH raw AS ({body}), active AS ({active}) "
        f"SELECT {columns} FROM raw WHERE subject_code IS NOT NULL "
        f"UNION ALL SELECT {linked} FROM raw r JOIN active l ON l.record_id = r.record_id "
        "WHERE r.subject_code IS NULL "
        f"UNION ALL SELECT {columns} FROM raw r WHERE r.subject_code IS NULL "
        "AND r.record_id NOT IN (SELECT record_id FROM active)"
    )


def add_link(
    con: duckdb.DuckDBPyConnection,
    record_id: str,
    subject_kind: str,
    subject_code: str,
    probability: float,
    method: str,
    decided_by: str,
    reference: str | None = None,
) -> None:
    """Link a code-less record to a subject, and make sure the subject index knows it."""
    row = con.execute(
        "SELECT subject_code, occurred_at FROM records WHERE record_id = ?", [record_id]
    ).fetchone()
    if row is None:
        raise CredenceError(f"no record {record_id!r} in this workspace")
    if row[0] is not None and row[0] != subject_code:
        raise CredenceError(f"record {record_id} already carries a code: it needs no link")
    if not 0.0 <= probability <= 1.0:
        raise CredenceError(f"a probability lies between 0 and 1, not {probability}")
    con.execute(
        "INSERT INTO record_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [record_id, subject_kind, subject_code, probability, method, reference, decided_by,
         datetime.now(UTC)],
    )  # fmt: skip
    con.execute(
        "INSERT INTO subjects SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM subjects "
        "WHERE subject_kind = ? AND subject_code = ?)",
        [subject_kind, subject_code, row[1], subject_kind, subject_code],
    )
    con.execute(
        "UPDATE subjects SET first_seen = ? WHERE subject_kind = ? AND subject_code = ? "
        "AND first_seen > ?",
        [row[1], subject_kind, subject_code, row[1]],
    )


def undo_link(con: duckdb.DuckDBPyConnection, record_id: str, reason: str) -> int:
    """Undo the active link of a record (a wrong identity match); return how many were undone."""
    rows = con.execute(
        "UPDATE record_links SET undone_at = ?, undo_reason = ? "
        "WHERE record_id = ? AND undone_at IS NULL RETURNING record_id",
        [datetime.now(UTC), reason, record_id],
    ).fetchall()
    return len(rows)
