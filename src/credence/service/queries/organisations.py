"""Organisations as the public sees them: grade, lists, measures and public penalty records.

Read from the results of the current scoring run, through the results seam (the same numbers
``credence explain`` gives, by test). Public penalty records are the lines of legal decisions
(court judgments, administrative penalties) that count on that day: a penalty is public only
while it counts.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from credence.errors import InvalidInputError, NotFoundError
from credence.model import LEGAL_DECISION_CATEGORIES
from credence.rights.basis import Basis
from credence.runs.results import RunResults
from credence.service.names import name_of, names_of
from credence.service.queries.common import rows_as
from credence.service.schemas import (
    ListingOut,
    MeasureOut,
    OrganisationOut,
    OrganisationSummary,
    PenaltyOut,
    SearchPage,
)

PUBLIC_STATES = ("published",)
# Constants of the code, not input: spelled into the SQL so DuckDB can prune on them.
_LEGAL = ", ".join(f"'{c}'" for c in sorted(LEGAL_DECISION_CATEGORIES))
_PUBLIC = ", ".join(f"'{s}'" for s in PUBLIC_STATES)


def listings_of(
    con: duckdb.DuckDBPyConnection, run: RunResults, kind: str, code: str, public: bool
) -> list[ListingOut]:
    rows = rows_as(
        con,
        "SELECT list_name, state, requirement_id, record_id, proposed_on, published_on, "
        f"expires_on FROM {run.table('listings', (kind, code))} WHERE subject_kind = ? "
        f"AND subject_code = ? AND (NOT ? OR state IN ({_PUBLIC})) "
        "ORDER BY list_name, published_on DESC, record_id",
        [kind, code, public],
    )
    return [ListingOut.model_validate(r) for r in rows]


def measures_of(
    con: duckdb.DuckDBPyConnection, run: RunResults, kind: str, code: str
) -> list[MeasureOut]:
    rows = rows_as(
        con,
        "SELECT measure_id, via, effect, legal_basis FROM "
        f"{run.table('subject_measures', (kind, code))} "
        "WHERE subject_kind = ? AND subject_code = ? ORDER BY measure_id, via",
        [kind, code],
    )
    return [
        MeasureOut.model_validate({**r, "effect": json.loads(r["effect"] or "{}")}) for r in rows
    ]


def organisation(
    con: duckdb.DuckDBPyConnection, code: str, basis: Basis, public: bool = True
) -> OrganisationOut:
    """One organisation's public page; NotFoundError for an unknown code (or a person's)."""
    run = basis.results
    subject = ("organization", code)
    score = rows_as(
        con,
        f"SELECT scored, score, grade FROM {run.table('scores', subject)} "
        "WHERE subject_kind = 'organization' "
        "AND subject_code = ?",
        [code],
    )
    if not score:
        known = con.execute(
            "SELECT 1 FROM subjects WHERE subject_kind = 'organization' AND subject_code = ?",
            [code],
        ).fetchone()
        if known is None:
            raise NotFoundError(f"no organisation {code} in this workspace")
    points = con.execute(
        f"SELECT rating_id, points FROM {run.table('rating_points', subject)} "
        "WHERE subject_kind = 'organization' "
        "AND subject_code = ? ORDER BY rating_id",
        [code],
    ).fetchall()
    penalties = rows_as(
        con,
        "SELECT record_id, rating_id, requirement_id, kind, category, source, occurred_at, "
        f"expires_on, points_applied, legal_basis FROM {run.table('score_lines', subject)} "
        "WHERE subject_kind = 'organization' AND subject_code = ? "
        f"AND category IN ({_LEGAL}) ORDER BY occurred_at DESC, record_id",
        [code],
    )
    head: dict[str, Any] = score[0] if score else {"scored": False, "score": None, "grade": None}
    return OrganisationOut(
        subject_code=code,
        name=name_of(con, code),
        as_of=basis.as_of if basis.run_id else None,
        ruleset=basis.ruleset.ruleset if basis.run_id else None,
        version=basis.ruleset.version if basis.run_id else None,
        scored=bool(head["scored"]),
        score=head["score"],
        grade=head["grade"],
        rating_points={str(r): int(p) for r, p in points},
        listings=listings_of(con, run, "organization", code, public),
        measures=measures_of(con, run, "organization", code),
        penalties=[PenaltyOut.model_validate(p) for p in penalties],
    )


def search_organisations(
    con: duckdb.DuckDBPyConnection, run: RunResults, query: str, limit: int, offset: int
) -> SearchPage:
    """Organisations whose name contains the words, or whose code starts with the text: one
    page of them, cut in SQL. A query of nothing but spaces is refused (it would list all)."""
    text = query.strip()
    if not text:
        raise InvalidInputError("q: give a name or the start of a code, not only spaces")
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = con.execute(
        "SELECT subject_code, count(*) OVER () FROM ("
        "SELECT subject_code FROM subject_names WHERE subject_kind = 'organization' "
        "AND name ILIKE ? ESCAPE '\\' UNION SELECT subject_code FROM subjects "
        "WHERE subject_kind = 'organization' AND starts_with(subject_code, upper(?))) "
        "ORDER BY subject_code LIMIT ? OFFSET ?",
        [pattern, text, limit, offset],
    ).fetchall()
    page = [str(c) for c, _ in matches]
    total = int(matches[0][1]) if matches else _total(con, pattern, text) if offset else 0
    names = names_of(con, page)
    scores = {
        str(r["subject_code"]): r
        for r in rows_as(
            con,
            f"SELECT subject_code, score, grade FROM {run.table('scores')} "
            "WHERE subject_kind = 'organization' "
            "AND subject_code IN (SELECT unnest(?::VARCHAR[]))",
            [page],
        )
    }
    lists: dict[str, list[str]] = {}
    for code, name in con.execute(
        f"SELECT DISTINCT subject_code, list_name FROM {run.table('listings')} "
        "WHERE subject_kind = 'organization' "
        "AND state = 'published' AND subject_code IN (SELECT unnest(?::VARCHAR[])) ORDER BY 2",
        [page],
    ).fetchall():
        lists.setdefault(str(code), []).append(str(name))
    items = [
        OrganisationSummary(
            subject_code=code,
            name=names.get(code),
            grade=scores.get(code, {}).get("grade"),
            score=scores.get(code, {}).get("score"),
            lists=lists.get(code, []),
        )
        for code in page
    ]
    return SearchPage(query=text, total=total, limit=limit, offset=offset, items=items)


def _total(con: duckdb.DuckDBPyConnection, pattern: str, text: str) -> int:
    """How many organisations match, for a page past the last one."""
    row = con.execute(
        "SELECT count(*) FROM (SELECT subject_code FROM subject_names "
        "WHERE subject_kind = 'organization' AND name ILIKE ? ESCAPE '\\' "
        "UNION SELECT subject_code FROM subjects WHERE subject_kind = 'organization' "
        "AND starts_with(subject_code, upper(?)))",
        [pattern, text],
    ).fetchone()
    return int(row[0]) if row else 0
