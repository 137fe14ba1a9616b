"""Links from rows without a code to subjects: judgements that resolution and reviewers make.

Records are never rewritten. A link is a row here (who or what decided, when, with what
probability), and the ``records`` view fills the subject of a code-less row from its active link.
Undoing a link keeps the row and stamps when and why, so every judgement stays on record and a
past run can still be reproduced with what was known then.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from credence.errors import CredenceError

LINK_SCHEMA = pa.schema(
    [("record_id", pa.string()), ("subject_kind", pa.string()), ("subject_code", pa.string()),
     ("probability", pa.float64())]
)  # fmt: skip

def active_links(when: str, records: str | None = None) -> str:
    """The one rule for which identity link counts: a record's latest link decided by ``when``
    (a timestamp literal, now(), or a ``{when}`` placeholder) and not undone by then; as SQL
    giving (record_id, subject_kind, subject_code). ``records``, a query of record ids, limits
    it to those records (read through the link indexes of ``store/catalog.py``)."""
    among = f"record_id IN ({records}) AND " if records else ""
    return (
        "SELECT record_id, arg_max(subject_kind, decided_at) AS subject_kind, "
        "arg_max(subject_code, decided_at) AS subject_code FROM record_links "
        f"WHERE {among}decided_at <= {when} AND (undone_at IS NULL OR undone_at > {when}) "
        "GROUP BY record_id"
    )


# A link counts from decided_at until it is undone; ``{when}`` is a timestamp literal or now().
ACTIVE_LINKS = active_links("{when}")
# The records whose active link is to one subject ($kind, $code): only the links naming that
# code, and the other links of their records, are read, not the whole table. A record linked
# to the subject now has a link row naming its code, so nothing is missed.
SUBJECT_LINKS = (
    "SELECT record_id FROM ("
    + active_links("{when}", "SELECT record_id FROM record_links WHERE subject_code = $code")
    + ") WHERE subject_kind = $kind AND subject_code = $code"
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
    """Link one code-less record to a subject (see ``add_links``)."""
    row = {"record_id": record_id, "subject_kind": subject_kind, "subject_code": subject_code,
           "probability": float(probability)}  # fmt: skip
    add_links(con, pa.Table.from_pylist([row], schema=LINK_SCHEMA), method, decided_by, reference)


def add_links(
    con: duckdb.DuckDBPyConnection,
    links: pa.Table,
    method: str,
    decided_by: str,
    reference: str | None = None,
) -> int:
    """Link code-less records to subjects (columns of LINK_SCHEMA), checked set-wise, and make
    sure the subject index knows every subject linked to."""
    if links.num_rows == 0:
        return 0
    new_links = links  # DuckDB reads this local Arrow table by its name (a replacement scan)
    try:
        bad = con.execute(
            "SELECT n.record_id, r.record_id IS NULL, n.probability FROM new_links n "
            "LEFT JOIN records r ON r.record_id = n.record_id "
            "WHERE r.record_id IS NULL OR NOT (n.probability BETWEEN 0 AND 1) "
            "OR (r.subject_code IS NOT NULL AND r.subject_code <> n.subject_code) LIMIT 1"
        ).fetchall()
        if bad:
            record_id, missing, probability = bad[0]
            if missing:
                raise CredenceError(f"no record {record_id!r} in this workspace")
            if not 0.0 <= probability <= 1.0:
                raise CredenceError(f"a probability lies between 0 and 1, not {probability}")
            raise CredenceError(f"record {record_id} already carries a code: it needs no link")
        con.execute(
            "INSERT INTO record_links SELECT record_id, subject_kind, subject_code, probability, "
            "?, ?, ?, ?, NULL, NULL FROM new_links",
            [method, reference, decided_by, datetime.now(UTC)],
        )
        first = (
            "SELECT n.subject_kind, n.subject_code, min(r.occurred_at) AS first_seen "
            "FROM new_links n JOIN records r ON r.record_id = n.record_id GROUP BY ALL"
        )
        con.execute(
            f"INSERT INTO subjects SELECT * FROM ({first}) f WHERE NOT EXISTS (SELECT 1 FROM "
            "subjects s WHERE s.subject_kind = f.subject_kind AND s.subject_code = f.subject_code)"
        )
        con.execute(
            f"UPDATE subjects s SET first_seen = f.first_seen FROM ({first}) f "
            "WHERE s.subject_kind = f.subject_kind AND s.subject_code = f.subject_code "
            "AND s.first_seen > f.first_seen"
        )
    finally:
        del new_links
    return links.num_rows


def undo_link(con: duckdb.DuckDBPyConnection, record_id: str, reason: str) -> int:
    """Undo the active link of a record (a wrong identity match); return how many were undone."""
    rows = con.execute(
        "UPDATE record_links SET undone_at = ?, undo_reason = ? "
        "WHERE record_id = ? AND undone_at IS NULL RETURNING record_id",
        [datetime.now(UTC), reason, record_id],
    ).fetchall()
    return len(rows)
