"""Reading the red and black lists of a scoring run: the one list reader, with display names
and masking, for the CLI, the API and the pages.

The public sees organisations only, and only published listings (a proposed listing is in its
notice period, an expired, repaired or revoked one is over). The operator sees every subject and
every state that has not expired (all with ``include_expired``). A person's code is masked and
their name left out unless ``unmask`` (``credence.identifiers.shown_code``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from credence.errors import NotFoundError
from credence.identifiers import shown_code
from credence.runs import results
from credence.runs.results import RunResults
from credence.sql import dict_rows
from credence.store.names import names_for

LIST_NAMES = ("black", "red")
_COLUMNS = (
    "list_name, subject_kind, subject_code, state, requirement_id, record_id, proposed_on, "
    "published_on, expires_on"
)


@dataclass(frozen=True)
class ListRows:
    """A page of a list: how many listings match in all, and the page's rows."""

    total: int
    rows: list[dict[str, Any]]


def _filters(public: bool, include_expired: bool) -> str:
    if public:
        return "AND subject_kind = 'organization' AND state = 'published'"
    return "" if include_expired else "AND state <> 'expired'"


def list_rows(
    con: duckdb.DuckDBPyConnection,
    list_name: str,
    run: RunResults | None = None,
    public: bool = False,
    include_expired: bool = False,
    limit: int | None = None,
    offset: int = 0,
    unmask: bool = False,
) -> ListRows:
    """Listings of one list in a run (the current one unless given), newest publication first,
    each with the subject's display name."""
    if list_name not in LIST_NAMES:
        raise NotFoundError(
            f"no list {list_name!r} (unknown list): the lists are {', '.join(LIST_NAMES)}"
        )
    run = run or results.require_current(con)
    table = run.table("listings")
    where = f"WHERE list_name = ? {_filters(public, include_expired)}"
    (total,) = con.execute(f"SELECT COUNT(*) FROM {table} {where}", [list_name]).fetchone() or (0,)
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = dict_rows(
        con.execute(
            f"SELECT {_COLUMNS} FROM {table} {where} "
            f"ORDER BY published_on DESC, subject_code, record_id{page}",
            [list_name],
        )
    )
    names = names_for(con, [(r["subject_kind"], r["subject_code"]) for r in rows])
    for row in rows:
        kind, code = row["subject_kind"], row["subject_code"]
        row["name"] = names.get((kind, code)) if unmask or kind != "person" else None
        row["subject_code"] = shown_code(kind, code, reveal=unmask)
    return ListRows(int(total), rows)


def read_list(
    con: duckdb.DuckDBPyConnection,
    list_name: str,
    include_expired: bool = False,
    unmask: bool = False,
    run: RunResults | None = None,
) -> list[dict[str, Any]]:
    """Every listing of one list (the operator's view, see ``list_rows``)."""
    return list_rows(
        con, list_name, run, include_expired=include_expired, unmask=unmask
    ).rows
