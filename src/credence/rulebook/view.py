"""The rulebook's content, built once from a ruleset and printed by both templates.

Everything a rated person must be able to read is decided here, so the Markdown and the HTML
rulebooks cannot say different things: each requirement and measure is a list of ``Fact`` rows
that both templates print in order. Fields ending in ``_md`` (and every fact's value) hold
Markdown inline text (see ``words``); every other string is plain text the template escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from credence.model import STREAMS
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
from credence.rules.duration import REPAIR_AFTER, SEVERITY_LIMITS, Duration
from credence.rules.loader import ruleset_hash
from credence.rules.spec import (
    Grade,
    Measure,
    Rating,
    Requirement,
    Ruleset,
    SubjectKind,
    legal_basis,
    subject_kinds,
)

KINDS: tuple[SubjectKind, ...] = ("person", "organization")
KIND_TITLES = {"person": "People", "organization": "Organisations"}


@dataclass(frozen=True)
class Fact:
    """One labelled line of a requirement or a measure; the value is Markdown inline text."""

    label: str
    value_md: str


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
    black: bool
    facts: list[Fact]


@dataclass(frozen=True)
class RatingView:
    id: str
    anchor: str
    title_md: str
    summary_md: str
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
    facts: list[Fact]


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

    @property
    def repair_summary(self) -> str:
        """``minor: at any time; general: after 3 months; ...``"""
        return "; ".join(f"{tier.name}: {tier.repair_after}" for tier in self.tiers)


def build_rulebook(ruleset: Ruleset) -> Rulebook:
    """The rulebook of one ruleset: pure, so its text is a function of the ruleset alone."""
    lists = ruleset.lists
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
        grades=[_grade_table(ruleset, kind) for kind in KINDS],
        streams=_streams(ruleset),
        black=None
        if lists.black is None
        else BlackView(
            notice=plural(lists.black.notice_days, "day"),
            duration=duration_words(lists.black.duration),
            measures=list(lists.black.measures),
            requirements=[req.id for _, req in ruleset.requirements() if "black" in req.lists],
        ),
        red=None
        if lists.red is None
        else RedView(
            min_grades=_red_grades(ruleset),
            clean=plural(lists.red.clean_years, "year"),
            measures=list(lists.red.measures),
        ),
        measures=[_measure(ruleset, m) for m in ruleset.measures],
    )


def _repair_words(duration: Duration) -> str:
    return "at any time" if duration == Duration() else f"after {duration_words(duration)}"


def _grade_table(ruleset: Ruleset, kind: SubjectKind) -> GradeTable:
    bands = ruleset.grades.for_kind(kind)
    rows = []
    for index, band in enumerate(bands):
        upper = _upper(bands, index)
        if band.min is None:
            span = "any score" if upper is None else f"below {number_words(upper)}"
        elif upper is None:
            span = f"{number_words(band.min)} or more"
        else:
            span = f"{number_words(band.min)} to {number_words(upper - 1)}"
        rows.append(Band(band.grade, span, list(band.measures)))
    return GradeTable(kind, KIND_TITLES[kind], rows)


def _upper(bands: list[Grade], index: int) -> int | None:
    """The lowest minimum of the bands above: this band's scores stay below it."""
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
    title = code(rating.id)
    summary = f"Applies to {kinds_words(list(rating.applies_to))}."
    if rating.legal_basis:
        summary += f" Legal basis: {md_escape(rating.legal_basis)}."
    return RatingView(
        id=rating.id,
        anchor=f"rating-{rating.id}",
        title_md=f"{md_escape(rating.name)} ({title})" if rating.name else title,
        summary_md=summary,
        description=rating.description,
        requirements=[_requirement(rating, req) for req in rating.requirements],
    )


def _requirement(rating: Rating, req: Requirement) -> RequirementView:
    black = "black" in req.lists
    facts = [
        Fact("What counts", condition_md(req.when)),
        Fact("Applies to", kinds_words(subject_kinds(rating, req))),
        Fact("Points", f"{signed(req.points)} points for each record that counts"),
        Fact("Cap", _cap_words(req)),
        Fact("Counts for", _counts_for(req)),
        Fact("Severity", _severity_words(req)),
        Fact("Data category", code(req.category)),
        Fact("Legal basis", md_escape(legal_basis(rating, req))),
        Fact(
            "Can lead to the black list",
            "yes: a record of it can put the subject on the black list" if black else "no",
        ),
    ]
    return RequirementView(req.id, f"req-{req.id}", req.description, black, facts)


def _cap_words(req: Requirement) -> str:
    if req.cap is None:
        return "none: every matching valid record counts"
    most = plural(req.cap, "record")
    return f"{req.cap} (at most {most} count, {signed(req.points * req.cap)} points in all)"


def _counts_for(req: Requirement) -> str:
    """valid_for and the severity tier's limit, whichever ends first."""
    limit = SEVERITY_LIMITS[req.severity] if req.severity else None
    given = req.valid_for
    if given is not None and (limit is None or given.approx_days() <= limit.approx_days()):
        return f"{duration_words(given)} from the day it happened"
    if limit is None:
        return "no time limit"
    why = (
        "its severity tier's limit"
        if given is None
        else f"valid for {duration_words(given)}, cut short by its severity tier"
    )
    return f"{duration_words(limit)} from the day it happened ({why})"


def _severity_words(req: Requirement) -> str:
    if req.severity is None:
        return "none (it adds points)" if req.points > 0 else "none (no publicity tier)"
    tier = req.severity
    limit = duration_words(SEVERITY_LIMITS[tier])
    repair = _repair_words(REPAIR_AFTER[tier])
    return f"{tier}: counts for at most {limit}; credit repair may be asked for {repair}"


def _red_grades(ruleset: Ruleset) -> list[str]:
    red = ruleset.lists.red
    assert red is not None
    lines = []
    for kind in KINDS:
        grade = red.min_grade.get(kind)
        title = KIND_TITLES[kind].lower()
        if grade is None:
            lines.append(f"{title}: never red-listed")
            continue
        top = ruleset.grades.for_kind(kind)[0].grade
        lines.append(f"{title}: grade {grade}" + ("" if grade == top else " or better"))
    return lines


def _measure(ruleset: Ruleset, measure: Measure) -> MeasureView:
    through = []
    black, red = ruleset.lists.black, ruleset.lists.red
    if black is not None and measure.id in black.measures:
        through.append("the black list (while a listing is published)")
    if red is not None and measure.id in red.measures:
        through.append("the red list")
    for kind in KINDS:
        for band in ruleset.grades.for_kind(kind):
            if measure.id in band.measures:
                through.append(f"grade {md_escape(band.grade)} ({KIND_TITLES[kind].lower()})")
    facts = [
        Fact("Effect", "; ".join(effect_md(k, v) for k, v in measure.effect.items())),
        Fact("Restrictive", "yes" if measure.is_restrictive() else "no"),
        Fact("Applied through", "; ".join(through) or "nothing: no list or grade names it"),
        Fact("Legal basis", md_escape(measure.legal_basis)),
    ]
    return MeasureView(measure.id, f"measure-{measure.id}", measure.description, facts)
