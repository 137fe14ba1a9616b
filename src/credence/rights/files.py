"""What the rights read from a subject's file: its records, and what each record does.

A record's effect comes from the ruleset: the requirement it meets (at most one, by the
one-record-one-penalty safeguard), the points, the severity tier, until when it counts and until
when a black listing on it lasts. Appeals and repairs are judged against that effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from credence.errors import NotFoundError
from credence.identifiers import compact
from credence.rules.duration import Duration
from credence.rules.explain import requirement_matches
from credence.rules.spec import Ruleset, subject_kinds
from credence.rules.validity import record_expiry
from credence.sql import dict_rows


@dataclass(frozen=True)
class RecordEffect:
    """What one requirement does with one record."""

    rating_id: str
    requirement_id: str
    points: int
    severity: str | None
    counts_until: date | None  # first day it no longer counts (None: never ends)
    listed_until: date | None  # first day its black listing has expired (None: no listing)

    @property
    def ends_on(self) -> date | None:
        """The first day the record has no effect left (None: it never ends)."""
        if self.counts_until is None:
            return None
        return max(d for d in (self.counts_until, self.listed_until) if d is not None)


def canonical_code(code: str) -> str:
    """A subject code as stored: compacted, upper-case."""
    return compact(code) if code else code


def record_on_file(
    con: duckdb.DuckDBPyConnection, subject_code: str, record_id: str
) -> dict[str, Any]:
    """One record of the subject's own file; NotFoundError when it is not theirs or not there."""
    rows = dict_rows(
        con.execute(
            "SELECT * FROM records WHERE record_id = ? AND subject_code = ? LIMIT 1",
            [record_id, canonical_code(subject_code)],
        )
    )
    if not rows:
        raise NotFoundError(f"no record {record_id!r} on this subject's file")
    return rows[0]


def subject_kind_of(con: duckdb.DuckDBPyConnection, code: str) -> str:
    """The kind of a subject the workspace knows; NotFoundError otherwise."""
    row = con.execute(
        "SELECT subject_kind FROM subjects WHERE subject_code = ? LIMIT 1", [canonical_code(code)]
    ).fetchone()
    if row is None:
        raise NotFoundError("no subject with this code in this workspace")
    return str(row[0])


def record_effects(ruleset: Ruleset, record: dict[str, Any]) -> list[RecordEffect]:
    """Every requirement of ``ruleset`` the record meets, with how long each effect lasts."""
    occurred: date = record["occurred_at"]
    black = ruleset.lists.black
    found = []
    for rating, requirement in ruleset.requirements():
        if record["subject_kind"] not in subject_kinds(rating, requirement):
            continue
        if not requirement_matches(requirement, record):
            continue
        listed_until = None
        if black is not None and "black" in requirement.lists:
            published = Duration(days=black.notice_days).add_to(occurred)
            listed_until = black.duration.add_to(published)
        found.append(
            RecordEffect(
                rating.id,
                requirement.id,
                requirement.points,
                requirement.severity,
                record_expiry(requirement, occurred),
                listed_until,
            )
        )
    return found
