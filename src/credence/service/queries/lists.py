"""The red and black lists, a page at a time, as JSON or CSV.

What each caller sees (the public: published organisations; the operator: every subject, people
masked) is decided by the one list reader, ``runs/lists.py``.
"""

from __future__ import annotations

import duckdb

from credence.cells import csv_text
from credence.runs.lists import list_rows
from credence.runs.results import RunResults
from credence.service.schemas import ListEntry, ListPage


def list_page(
    con: duckdb.DuckDBPyConnection,
    run: RunResults,
    list_name: str,
    page: int,
    per_page: int,
    public: bool = True,
    include_expired: bool = False,
) -> ListPage:
    """One page of a list, newest publication first (read by ``runs/lists.py``)."""
    found = list_rows(
        con, list_name, run, public=public, include_expired=include_expired,
        limit=per_page, offset=(page - 1) * per_page,
    )  # fmt: skip
    items = [ListEntry.model_validate(r) for r in found.rows]
    return ListPage(
        list_name=list_name, page=page, per_page=per_page, total=found.total, items=items
    )


def list_csv(page: ListPage) -> str:
    """A page of a list as CSV, with the JSON field names as the header."""
    fields = list(ListEntry.model_fields)
    return csv_text((item.model_dump(mode="json") for item in page.items), fields)
