"""The rulebook's content, built once from a ruleset and printed by both templates.

Everything a rated person must be able to read is decided here, in one place, so the Markdown
and the HTML rulebooks cannot say different things. Fields ending in ``_md`` hold Markdown
inline text (see ``words``); every other string is plain text for the template to escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credence.model import STREAMS
from credence.rules.duration import REPAIR_AFTER, SEVERITY_LIMITS, Duration
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Grade, Rating, Requirement, Ruleset, legal_basis, subject_kinds
from credence.rulebook.words import (
    code,
    condition_md,
    duration_words,
    effect_md,
    kinds_words,
    md_escape,
    number_words,
    plural,
    signed,
)

KIND_TITLES = {"person": "People", "organization": "Organisations"}


@dataclass(frozen=True)
class Tier:
    """A severity tier: how long its records count at most, when repair may be asked for."""

    name: str
    counts_for: str
    repair_after: str


@dataclass(frozen=True)
class Band:
    grade: str
    range: str
    measures: list[str]


@dataclass(frozen=True)
class GradeTable:
    kind: str
    title: str
    bands: list[Band]


@dataclass(frozen=True)
class RequirementView:
    id: str
    anchor: str
    description: str | None
    applies_to: str
    trigger_md: str
    points: str
    cap: str
    counts_for: str
    severity: str
    category: str
    legal_basis: str
    black_list: str


@dataclass(frozen=True)
class RatingView:
    id: str
    anchor: str
    name: str
    stream: str
    applies_to: str
    legal_basis: str | None
    description: str | None
    requirements: list[RequirementView]


@dataclass(frozen=True)
class StreamView:
    name: str
    title: str
    anchor: str
    ratings: list[RatingView]


@dataclass(frozen=True)
class MeasureView:
    id: str
    anchor: str
    description: str | None
    effects_md: list[str]
    kind: str
    applied_through: list[str]
    legal_basis: str


@dataclass(frozen=True)
class BlackView:
    notice: str
    duration: str
    measures: list[str]
    requirements: list[str]


@dataclass(frozen=True)
class RedView:
    min_grades: list[str]
    clean: str
    measures: list[str]


@dataclass(frozen=True)
class Rulebook:
    """Everything both formats print, in reading order."""

    title: str
    name: str
    version: str
    hash: str
    description: str | None
    base_points: str
    tiers: list[Tier]
    grades: list[GradeTable]
    streams: list[StreamView]
    black: BlackView | None
    red: RedView | None
    measures: list[MeasureView]
    black_requirements: list[str] = field(default_factory=list)


def build_rulebook(ruleset: Ruleset) -> Rulebook:
    """The rulebook of one ruleset: pure, so its output is a function of the ruleset alone."""
    lists = ruleset.lists
    black_ids = [req.id for _, req in ruleset.requirements() if "black" in req.lists]
    return Rulebook(
        title=f"Rulebook of {ruleset.ruleset}, version {ruleset.version}",
        name=ruleset.ruleset,
        version=ruleset.version,
        hash=ruleset_hash(ruleset),
        description=ruleset.description,
        base_points=number_words(ruleset.base_points),
        tiers=[
            Tier(name, duration_words(SEVERITY_LIMITS[name]), _repair_words(REPAIR_AFTER[name]))
            for name in ("minor", "general", "serious")
        ],
        grades=[_grade_table(ruleset, kind) for kind in ("person", "organization")],
        streams=_streams(ruleset),
        black=None
        if lists.black is None
        else BlackView(
            notice=plural(lists.black.notice_days, "day"),
            duration=duration_words(lists.black.duration),
            measures=list(lists.black.measures),
            requirements=black_ids,
        ),
        red=None
        if lists.red is None
        else RedView(
            min_grades=_red_grades(ruleset),
            clean=plural(lists.red.clean_years, "year"),
            measures=list(lists.red.measures),
        ),
        measures=[_measure(ruleset, m.id) for m in ruleset.measures],
        black_requirements=black_ids,
    )


def _repair_words(duration: Duration) -> str:
    return "at any time" if duration == Duration() else f"after {duration_words(duration)}"


def _grade_table(ruleset: Ruleset, kind: str) -> GradeTable:
    bands = ruleset.grades.for_kind(kind)
    rows = []
    for index, band in enumerate(bands):
        upper = _upper(bands, index)
        if band.min is None:
            above = "any score" if upper is None else f"below {number_words(upper)}"
            rows.append(Band(band.grade, above, list(band.measures)))
        elif upper is None:
            rows.append(Band(band.grade, f"{number_words(band.min)} or more", list(band.measures)))
        else:
            span = f"{number_words(band.min)} to {number_words(upper - 1)}"
            rows.append(Band(band.grade, span, list(band.measures)))
    return GradeTable(kind, KIND_TITLES[kind], rows)


def _upper(bands: list[Grade], index: int) -> int | None:
    """The minimum of the band above, which this band stays below."""
    above = [b.min for b in bands[:index] if b.min is not None]
    return min(above) if above else None


def _streams(ruleset: Ruleset) -> list[StreamView]:
    views = []
    for stream in STREAMS:
        ratings = [_rating(r) for r in ruleset.ratings if r.stream == stream]
        if ratings:
            views.append(StreamView(stream, stream.capitalize(), f"stream-{stream}", ratings))
    return views


def _rating(rating: Rating) -> RatingView:
    return RatingView(
        id=rating.id,
        anchor=f"rating-{rating.id}",
        name=rating.name or rating.id,
        stream=rating.stream,
        applies_to=kinds_words(list(rating.applies_to)),
        legal_basis=rating.legal_basis,
        description=rating.description,
        requirements=[_requirement(rating, req) for req in rating.requirements],
    )


def _requirement(rating: Rating, req: Requirement) -> RequirementView:
    return RequirementView(
        id=req.id,
        anchor=f"req-{req.id}",
        description=req.description,
        applies_to=kinds_words(subject_kinds(rating, req)),
        trigger_md=condition_md(req.when),
        points=f"{signed(req.points)} points for each record that counts",
        cap=_cap_words(req),
        counts_for=_counts_for(req),
        severity=_severity_words(req),
        category=req.category,
        legal_basis=legal_basis(rating, req),
        black_list="yes: a record of it can put the subject on the black list"
        if "black" in req.lists
        else "no",
    )


def _cap_words(req: Requirement) -> str:
    if req.cap is None:
        return "none: every matching valid record counts"
    most = plural(req.cap, "record")
    return f"{req.cap} (at most {most} count, {signed(req.points * req.cap)} points in all)"


def _counts_for(req: Requirement) -> str:
    """valid_for and the severity tier's limit, whichever ends first."""
    limit = SEVERITY_LIMITS[req.severity] if req.severity else None
    if req.valid_for is None and limit is None:
        return "no time limit"
    if req.valid_for is None or (limit is not None and limit.approx_days() < req.valid_for.approx_days()):
        assert limit is not None
        shown = duration_words(limit)
        if req.valid_for is None:
            return f"{shown} from the day it happened (its severity tier's limit)"
        given = duration_words(req.valid_for)
        return f"{shown} from the day it happened (valid for {given}, cut by its severity tier)"
    return f"{duration_words(req.valid_for)} from the day it happened"


def _severity_words(req: Requirement) -> str:
    if req.severity is None:
        return "none (adds points)" if req.points > 0 else "none (no publicity tier)"
    tier = req.severity
    repair = _repair_words(REPAIR_AFTER[tier])
    limit = duration_words(SEVERITY_LIMITS[tier])
    return f"{tier}: counts for at most {limit}; credit repair may be asked for {repair}"


def _red_grades(ruleset: Ruleset) -> list[str]:
    red = ruleset.lists.red
    assert red is not None
    lines = []
    for kind in ("person", "organization"):
        grade = red.min_grade.get(kind)  # type: ignore[call-overload]
        title = KIND_TITLES[kind].lower()
        if grade is None:
            lines.append(f"{title}: never red-listed")
            continue
        names = [band.grade for band in ruleset.grades.for_kind(kind)]
        better = " or better" if names and names[0] != grade else ""
        lines.append(f"{title}: grade {grade}{better}")
    return lines


def _measure(ruleset: Ruleset, measure_id: str) -> MeasureView:
    measure = ruleset.measure(measure_id)
    assert measure is not None
    through = []
    if ruleset.lists.black is not None and measure_id in ruleset.lists.black.measures:
        through.append("black list (while published)")
    if ruleset.lists.red is not None and measure_id in ruleset.lists.red.measures:
        through.append("red list")
    for kind in ("person", "organization"):
        for band in ruleset.grades.for_kind(kind):
            if measure_id in band.measures:
                through.append(f"grade {band.grade} ({KIND_TITLES[kind].lower()})")
    return MeasureView(
        id=measure.id,
        anchor=f"measure-{measure.id}",
        description=measure.description,
        effects_md=[effect_md(k, v) for k, v in measure.effect.items()],
        kind="restrictive" if measure.is_restrictive() else "incentive or neutral",
        applied_through=through or ["nothing: not attached to a list or a grade"],
        legal_basis=measure.legal_basis,
    )


__all__ = ["Rulebook", "build_rulebook", "code", "md_escape"]
