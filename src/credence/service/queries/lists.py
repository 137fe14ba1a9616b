"""The red and black lists, a page at a time, as JSON or CSV.

The public sees organisations only, and only published listings (a proposed listing is in its
notice period, an expired, repaired or revoked one is over). The operator sees every subject
and every state that has not expired (all with ``include_expired``), people's codes masked.
"""

from __future__ import annotations

import csv
import io

import duckdb

from credence.errors import NotFoundError
from credence.runs.lists import LIST_NAMES
from credence.runs.results import RunResults
from credence.service.names import names_of
from credence.service.queries.common import rows_as, shown_code
from credence.service.schemas import ListEntry, ListPage


def _filters(public: bool, include_expired: bool) -> str:
    if public:
        return "AND subject_kind = 'organization' AND state = 'published'"
    return "" if include_expired else "AND state <> 'expired'"


def list_page(
    con: duckdb.DuckDBPyConnection,
    run: RunResults,
    list_name: str,
    page: int,
    per_page: int,
    public: bool = True,
    include_expired: bool = False,
) -> ListPage:
    """One page of a list, newest publication first."""
    if list_name not in LIST_NAMES:
        raise NotFoundError(f"no list {list_name!r}: the lists are {', '.join(LIST_NAMES)}")
    where = f"WHERE list_name = ? {_filters(public, include_expired)}"
    listings = run.table("listings")
    (total,) = con.execute(
        f"SELECT COUNT(*) FROM {listings} {where}", [list_name]
    ).fetchone() or (0,)
    rows = rows_as(
        con,
        "SELECT list_name, subject_kind, subject_code, state, requirement_id, record_id, "
        f"proposed_on, published_on, expires_on FROM {listings} {where} "
        "ORDER BY published_on DESC, subject_code, record_id LIMIT ? OFFSET ?",
        [list_name, per_page, (page - 1) * per_page],
    )
    names = names_of(con, [r["subject_code"] for r in rows])
    items = [
        ListEntry.model_validate(
            {
                **r,
                "name": names.get(r["subject_code"]) if r["subject_kind"] != "person" else None,
                "subject_code": shown_code(r["subject_kind"], r["subject_code"]),
            }
        )
        for r in rows
    ]
    return ListPage(
        list_name=list_name, page=page, per_page=per_page, total=int(total), items=items
    )


def list_csv(page: ListPage) -> str:
    """A page of a list as CSV, with the JSON field names as the header."""
    buffer = io.StringIO()
    fields = list(ListEntry.model_fields)
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for item in page.items:
        writer.writerow(item.model_dump(mode="json"))
    return buffer.getvalue()
