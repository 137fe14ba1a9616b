"""The path forward: which lines expire when, which repairs are open or possible, and what
would lift the grade to the next band.

The projection re-runs the per-subject explainer on each coming expiry day with the records as
they are, so it follows the same semantics as scoring (caps, capped lines that start counting
when an earlier one expires, listings ending) and says when the next band is reached if nothing
new happens.
"""

from __future__ import annotations

from datetime import date

import duckdb
from pydantic import BaseModel

from credence.rights.models import Repair
from credence.rights.repair import DEFAULT_TIER, list_repairs
from credence.rules.duration import REPAIR_AFTER
from credence.rules.explain import Explanation, explain
from credence.rules.spec import Ruleset
from credence.runs.subject_file import subject_file, subject_records
from credence.store.overrides import overrides_for

MAX_PROJECTED_DAYS = 24


class ExpiringLine(BaseModel):
    """A negative line of the file and what can end it."""

    requirement_id: str
    record_id: str
    kind: str
    occurred_at: date
    points_applied: int
    counted: bool
    expires_on: date | None
    severity: str | None
    repair_possible_from: date
    repair_open: bool


class ListingEnd(BaseModel):
    list_name: str
    record_id: str | None
    state: str
    expires_on: date | None


class Projection(BaseModel):
    """The standing on a coming day if nothing new happens."""

    on: date
    score: int
    grade: str


class NextGrade(BaseModel):
    grade: str
    min: int
    points_needed: int
    reached_on: date | None  # by expiries alone; None when they are not enough


class PathForward(BaseModel):
    subject_kind: str
    as_of: date
    scored: bool
    score: int | None
    grade: str | None
    note: str | None
    expiring: list[ExpiringLine]
    listings: list[ListingEnd]
    open_repairs: list[Repair]
    repairable_now: list[str]
    next_grade: NextGrade | None
    projection: list[Projection]


def _next_band(ruleset: Ruleset, ex: Explanation) -> tuple[str, int] | None:
    bands = ruleset.grades.for_kind(ex.subject_kind)
    names = [b.grade for b in bands]
    if ex.grade is None or ex.grade not in names or names.index(ex.grade) == 0:
        return None
    band = bands[names.index(ex.grade) - 1]
    return (band.grade, band.min) if band.min is not None else None


def path_forward(
    con: duckdb.DuckDBPyConnection, ruleset: Ruleset, code: str, as_of: date
) -> PathForward:
    """Where a subject stands on ``as_of`` and how that changes over the coming expiries."""
    found = subject_file(con, code, ruleset, as_of)
    ex = found.explanation
    subject = ex.subject_code
    open_repairs = list_repairs(con, "open", subject)
    pending = {r.record_id for r in open_repairs}
    expiring = []
    for line in ex.lines:
        if line.points >= 0:
            continue
        possible = REPAIR_AFTER[line.severity or DEFAULT_TIER].add_to(line.occurred_at)
        expiring.append(
            ExpiringLine(
                requirement_id=line.requirement_id,
                record_id=line.record_id,
                kind=line.kind,
                occurred_at=line.occurred_at,
                points_applied=line.points_applied,
                counted=line.counted,
                expires_on=line.expires_on,
                severity=line.severity,
                repair_possible_from=possible,
                repair_open=line.record_id in pending,
            )
        )
    expiring.sort(key=lambda e: (e.expires_on or date.max, e.record_id))
    projection = _project(con, ruleset, ex)
    target = _next_band(ruleset, ex)
    next_grade = None
    if target is not None and ex.score is not None:
        reached = next((p.on for p in projection if p.score >= target[1]), None)
        next_grade = NextGrade(
            grade=target[0], min=target[1], points_needed=target[1] - ex.score, reached_on=reached
        )
    note = ex.note
    if ex.scored and target is None:
        note = "already in the top band"
    return PathForward(
        subject_kind=ex.subject_kind,
        as_of=as_of,
        scored=ex.scored,
        score=ex.score,
        grade=ex.grade,
        note=note,
        expiring=expiring,
        listings=[
            ListingEnd(
                list_name=li.list_name,
                record_id=li.record_id,
                state=li.state,
                expires_on=li.expires_on,
            )
            for li in ex.listings
        ],
        open_repairs=open_repairs,
        repairable_now=[
            e.record_id for e in expiring if e.repair_possible_from <= as_of and not e.repair_open
        ],
        next_grade=next_grade,
        projection=projection,
    )


def _project(con: duckdb.DuckDBPyConnection, ruleset: Ruleset, ex: Explanation) -> list[Projection]:
    if not ex.scored:
        return []
    days = sorted({line.expires_on for line in ex.lines if line.expires_on is not None})
    records = subject_records(con, ex.subject_code)
    decisions = overrides_for(con, (r["record_id"] for r in records))
    out = []
    for day in days[:MAX_PROJECTED_DAYS]:
        later = explain(ruleset, ex.subject_kind, ex.subject_code, records, day, decisions)
        if later.score is not None and later.grade is not None:
            out.append(Projection(on=day, score=later.score, grade=later.grade))
    return out
