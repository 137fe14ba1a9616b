"""Reading the red and black lists a scoring run wrote, with each subject's display name."""

from __future__ import annotations

from typing import Any

import duckdb

from credence.errors import CredenceError
from credence.identifiers import mask
from credence.runs import results
from credence.runs.results import RunResults
from credence.sql import dict_rows
from credence.store.names import names_sql

LIST_NAMES = ("black", "red")


def read_list(
    con: duckdb.DuckDBPyConnection,
    list_name: str,
    include_expired: bool = False,
    unmask: bool = False,
    run: RunResults | None = None,
) -> list[dict[str, Any]]:
    """Listings of one list in a run (the current one unless given), newest first; people's
    codes masked unless asked otherwise."""
    if list_name not in LIST_NAMES:
        raise CredenceError(f"unknown list {list_name!r}: choose one of {', '.join(LIST_NAMES)}")
    states = "" if include_expired else "AND l.state <> 'expired'"
    run = run or results.require_current(con)
    cursor = con.execute(
        f"""
        WITH names AS ({names_sql("records")})
        SELECT l.list_name, l.subject_kind, l.subject_code, n.name, l.state, l.requirement_id,
               l.record_id, l.proposed_on, l.published_on, l.expires_on
        FROM {run.table("listings")} l
        LEFT JOIN names n ON n.subject_kind = l.subject_kind AND n.subject_code = l.subject_code
        WHERE l.list_name = ? {states}
        ORDER BY l.published_on DESC, l.subject_code, l.record_id
        """,
        [list_name],
    )
    rows = dict_rows(cursor)
    if not unmask:
        for row in rows:
            if row["subject_kind"] == "person":
                row["subject_code"] = mask(row["subject_code"])
    return rows
