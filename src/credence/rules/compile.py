"""Compile a ruleset and an as-of date into one SQL plan, through sqlglot.

The plan is a short list of named steps (requirements, consent, matched records, score lines,
rating points, scores, listings, measures). The fixed skeleton of each step is written once in
Spark SQL and parsed by sqlglot; everything that depends on the ruleset (conditions, points, caps,
windows, grades) is built as sqlglot expressions and spliced in. Any dialect sqlglot speaks is then
one ``.sql(dialect)`` away: the engines never see two hand-kept copies.

The scoring semantics (README.md) and the explainer in ``explain.py`` must agree; a hypothesis
test holds them equal on generated rulesets and records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlglot
from sqlglot import exp

from credence.errors import CompileError
from credence.model import CONSENT_GRANTED, CONSENT_WITHDRAWN, SCORING_SCOPE
from credence.rules import skeleton
from credence.rules.conditions import date_literal, kind_condition, lit, residual_condition
from credence.rules.duration import SEVERITY_LIMITS, Duration
from credence.rules.skeleton import TEMPLATE_DIALECT, fill
from credence.rules.spec import Ruleset, legal_basis, subject_kinds
from credence.rules.validity import valid_after

RESULT_TABLES = ("score_lines", "rating_points", "scores", "listings", "subject_measures")


@dataclass(frozen=True)
class Step:
    """One named table of the plan and the query that builds it."""

    name: str
    query: exp.Expr
    temporary: bool
    # Reads one record at a time (the records and small constant steps only): an engine may run
    # it where the records are read, before moving any data, and need not keep it.
    local: bool = False

    def sql(self, dialect: str = "duckdb") -> str:
        return self.query.sql(dialect=dialect)


@dataclass(frozen=True)
class Plan:
    """The whole scoring plan for one ruleset and one as-of date."""

    ruleset: str
    version: str
    as_of: date
    steps: tuple[Step, ...]
    # The record kinds any step can read (consent, and what a requirement names), exact and by
    # prefix; None when unknown. An engine may drop every other record before it moves data.
    record_kinds: frozenset[str] | None = None
    record_kind_prefixes: tuple[str, ...] = ()
    # For each exact kind, the day after which its records can count (None: any day up to
    # as_of): a record of that kind on or before it is read by no step (``record_since``).
    record_since: tuple[tuple[str, date | None], ...] = ()

    def sql(self, dialect: str = "duckdb") -> list[tuple[str, str]]:
        """(table name, SELECT statement) in execution order."""
        return [(step.name, step.sql(dialect)) for step in self.steps]


# ---------------------------------------------------------------- static tables


REQUIREMENT_COLUMNS = (
    "requirement_id", "rating_id", "stream", "points", "cap", "valid_months", "valid_days",
    "tier_months", "black", "for_person", "for_organization", "category", "legal_basis",
    "severity", "valid_after",
)  # fmt: skip


def _requirements_table(ruleset: Ruleset, as_of: date) -> exp.Expr:
    rows = []
    for rating, req in ruleset.requirements():
        kinds = subject_kinds(rating, req)
        tier = SEVERITY_LIMITS[req.severity].months if req.severity else None
        values = (
            req.id, rating.id, rating.stream, req.points, req.cap,
            req.valid_for.months if req.valid_for else None,
            req.valid_for.days if req.valid_for else None,
            tier, "black" in req.lists, "person" in kinds, "organization" in kinds,
            req.category, legal_basis(rating, req), req.severity,
        )  # fmt: skip
        after = valid_after(req, as_of)
        row = [lit(v) for v in values] + [date_literal(after) if after else exp.null()]
        rows.append(exp.Tuple(expressions=row))
    types = ("STRING", "STRING", "STRING", "INT", "INT", "INT", "INT", "INT", "BOOLEAN",
             "BOOLEAN", "BOOLEAN", "STRING", "STRING", "STRING", "DATE")  # fmt: skip
    table = exp.Values(
        expressions=rows,
        alias=exp.TableAlias(
            this=exp.to_identifier("v"),
            columns=[exp.to_identifier(c) for c in REQUIREMENT_COLUMNS],
        ),
    )
    casts = [
        exp.alias_(exp.cast(exp.column(c, table="v"), exp.DataType.build(t, dialect="spark")), c)
        for c, t in zip(REQUIREMENT_COLUMNS, types, strict=True)
    ]
    return exp.select(*casts).from_(table)


def _measures_table(ruleset: Ruleset) -> exp.Expr:
    """(measure_id, via, effect JSON, legal_basis) for every list and grade that carries one."""
    rows: list[tuple[str, str, str, str]] = []

    def add(via: str, ids: Sequence[str]) -> None:
        for measure_id in ids:
            measure = ruleset.measure(measure_id)
            if measure is None:
                raise CompileError(f"measure {measure_id!r} of {via} is not defined")
            effect = json.dumps(measure.effect, sort_keys=True)
            rows.append((via, measure.id, effect, measure.legal_basis))

    if ruleset.lists.black:
        add("list:black", ruleset.lists.black.measures)
    if ruleset.lists.red:
        add("list:red", ruleset.lists.red.measures)
    for kind in ("person", "organization"):
        for band in ruleset.grades.for_kind(kind):
            add(f"grade:{kind}:{band.grade}", band.measures)
    if not rows:
        return sqlglot.parse_one(
            "SELECT CAST(NULL AS STRING) AS via, CAST(NULL AS STRING) AS measure_id, "
            "CAST(NULL AS STRING) AS effect, CAST(NULL AS STRING) AS legal_basis WHERE 1 = 0",
            read=TEMPLATE_DIALECT,
        )
    values = exp.Values(
        expressions=[exp.Tuple(expressions=[lit(v) for v in row]) for row in rows],
        alias=exp.TableAlias(
            this=exp.to_identifier("v"),
            columns=[exp.to_identifier(c) for c in ("via", "measure_id", "effect", "legal_basis")],
        ),
    )
    return exp.select("via", "measure_id", "effect", "legal_basis").from_(values)


def _grade_case(ruleset: Ruleset, score: exp.Expr) -> exp.Expr:
    """CASE over subject kind and score giving the grade band."""
    case = exp.Case()
    for kind in ("person", "organization"):
        for band in ruleset.grades.for_kind(kind):
            cond: exp.Expr = exp.EQ(this=exp.column("subject_kind"), expression=lit(kind))
            if band.min is not None:
                cond = exp.and_(cond, exp.GTE(this=score.copy(), expression=lit(band.min)))
            case = case.when(cond, lit(band.grade))
    return case


def _grade_rank_case(ruleset: Ruleset) -> exp.Expr:
    """CASE giving each (kind, grade) its position, 0 being the best band."""
    case = exp.Case()
    for kind in ("person", "organization"):
        for rank, band in enumerate(ruleset.grades.for_kind(kind)):
            cond = exp.and_(
                exp.EQ(this=exp.column("subject_kind"), expression=lit(kind)),
                exp.EQ(this=exp.column("grade"), expression=lit(band.grade)),
            )
            case = case.when(cond, lit(rank))
    return case


def red_min_rank(ruleset: Ruleset, kind: str) -> int | None:
    """Position of the red list's minimum grade for a kind, or None when the kind has none."""
    red = ruleset.lists.red
    if red is None or kind not in red.min_grade:
        return None
    names = [band.grade for band in ruleset.grades.for_kind(kind)]
    if red.min_grade[kind] not in names:
        raise CompileError(f"red list min_grade {red.min_grade[kind]!r} is not a {kind} grade")
    return names.index(red.min_grade[kind])


def _kind_map(ruleset: Ruleset) -> exp.Expr:
    """(kind, requirement_id): exact kinds as constants, prefixes against the kinds seen."""
    rows = [
        exp.Tuple(expressions=[lit(kind), lit(req.id)])
        for _, req in ruleset.requirements()
        for kind in sorted(req.when.kind.exact() or ())
    ]
    query: exp.Expr | None = None
    if rows:
        alias = exp.TableAlias(
            this=exp.to_identifier("v"),
            columns=[exp.to_identifier("kind"), exp.to_identifier("requirement_id")],
        )
        values = exp.Values(expressions=rows, alias=alias)
        query = exp.select("kind", "requirement_id").from_(values)
    prefixed = [req for _, req in ruleset.requirements() if req.when.kind.exact() is None]
    if prefixed:
        kind = exp.column("kind", table="k")
        ors = [
            exp.and_(
                exp.EQ(this=exp.column("requirement_id", table="q"), expression=lit(req.id)),
                kind_condition(req.when.kind, kind),
            )
            for req in prefixed
        ]
        condition = exp.or_(*ors) if len(ors) > 1 else ors[0]
        scan = fill(skeleton.PREFIX_KINDS, kind_condition=condition)
        query = scan if query is None else exp.union(query, scan, distinct=False)
    assert query is not None  # a ruleset has at least one requirement
    return query


def _clean_start(ruleset: Ruleset, as_of: date) -> date:
    """The first day of the red list's clean window (as_of itself when there is no red list)."""
    red = ruleset.lists.red
    return Duration(months=-12 * red.clean_years).add_to(as_of) if red else as_of


def _residual_case(ruleset: Ruleset) -> exp.Expr:
    case = exp.Case(this=exp.column("requirement_id", table="q"))
    found = False
    for _, req in ruleset.requirements():
        residual = residual_condition(req)
        if residual is not None:
            case = case.when(lit(req.id), residual)
            found = True
    return case.else_(exp.true()) if found else exp.true()


def _listing_steps(ruleset: Ruleset, as_of: date) -> list[Step]:
    """Black listings from legal decisions' records; red ones from grade and a clean record."""
    day = date_literal(as_of)
    steps: list[Step] = []
    parts: list[exp.Expr] = []
    black = ruleset.lists.black
    if black is not None:
        steps.append(
            Step(
                "cr_black",
                fill(
                    skeleton.BLACK,
                    as_of=day,
                    notice=lit(black.notice_days),
                    dur_months=lit(black.duration.months),
                    dur_days=lit(black.duration.days),
                ),
                temporary=True,
            )
        )
        parts.append(sqlglot.parse_one("SELECT * FROM cr_black", read=TEMPLATE_DIALECT))
    else:
        steps.append(
            Step(
                "cr_black", sqlglot.parse_one(skeleton.EMPTY_LISTINGS, read=TEMPLATE_DIALECT), True
            )
        )
    red = ruleset.lists.red
    if red is not None:
        min_rank = exp.Case()
        for kind in ("person", "organization"):
            rank = red_min_rank(ruleset, kind)
            min_rank = min_rank.when(
                exp.EQ(this=exp.column("subject_kind", table="s"), expression=lit(kind)),
                lit(rank if rank is not None else -1),
            )
        clean_start = _clean_start(ruleset, as_of)
        parts.append(
            fill(
                skeleton.RED,
                as_of=day,
                rank=_grade_rank_case(ruleset),
                min_rank=min_rank,
                clean_start=date_literal(clean_start),
            )
        )
    if not parts:
        parts.append(sqlglot.parse_one(skeleton.EMPTY_LISTINGS, read=TEMPLATE_DIALECT))
    union: exp.Expr = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    steps.append(Step("listings", union, temporary=False))
    return steps


def compile_plan(ruleset: Ruleset, as_of: date) -> Plan:
    """The ruleset as one plan of SQL steps for the given as-of date."""
    day = date_literal(as_of)
    score = exp.column("score", table="t")
    consent = {"granted": lit(CONSENT_GRANTED), "withdrawn": lit(CONSENT_WITHDRAWN)}
    steps = [
        Step("cr_requirements", _requirements_table(ruleset, as_of), True),
        Step("cr_measures", _measures_table(ruleset), True),
        Step("cr_kind_map", _kind_map(ruleset), True),
        Step("cr_overrides", sqlglot.parse_one(skeleton.OVERRIDES, read=TEMPLATE_DIALECT), True),
        Step("cr_consent_records", fill(skeleton.CONSENT_RECORDS, as_of=day, **consent), True,
             local=True),
        Step(
            "cr_candidates",
            fill(
                skeleton.CANDIDATES,
                as_of=day,
                clean_start=date_literal(_clean_start(ruleset, as_of)),
                residual=_residual_case(ruleset),
            ),
            True,
            local=True,
        ),
        Step("cr_consent", fill(skeleton.CONSENT, **consent), True),
        Step("cr_subjects", fill(skeleton.SUBJECTS, as_of=day, scoring=lit(SCORING_SCOPE)), True),
        Step("cr_matched", fill(skeleton.MATCHED, scoring=lit(SCORING_SCOPE)), True),
        Step("score_lines", fill(skeleton.LINES, as_of=day), False),
        Step(
            "rating_points", sqlglot.parse_one(skeleton.RATING_POINTS, read=TEMPLATE_DIALECT), False
        ),
        Step(
            "scores",
            fill(
                skeleton.SCORES,
                as_of=day,
                base=lit(ruleset.base_points),
                grade=_grade_case(ruleset, score),
                ruleset=lit(ruleset.ruleset),
                version=lit(ruleset.version),
            ),
            False,
        ),
    ]
    steps.extend(_listing_steps(ruleset, as_of))
    steps.append(
        Step("subject_measures", sqlglot.parse_one(skeleton.MEASURES, read=TEMPLATE_DIALECT), False)
    )
    exact: set[str] = {CONSENT_GRANTED, CONSENT_WITHDRAWN}
    prefixes: set[str] = set()
    for _, req in ruleset.requirements():
        kinds = req.when.kind.exact()
        if kinds is None:
            prefixes.add(req.when.kind.prefix or "")
        else:
            exact |= kinds
    return Plan(
        ruleset.ruleset, ruleset.version, as_of, tuple(steps), frozenset(exact),
        tuple(sorted(prefixes)), record_since(ruleset, as_of),
    )  # fmt: skip


def record_since(ruleset: Ruleset, as_of: date) -> tuple[tuple[str, date | None], ...]:
    """Per exact kind, the last day whose records no step reads (None: every day counts).

    The bound MATCHED keeps, loosened: a record counts for a black-list requirement at any age,
    otherwise after the requirement's ``valid_after``, or after the red list's clean start when
    it takes points; a voided record only ever drops out. Consent is read at any age.
    """
    clean = _clean_start(ruleset, as_of)
    bounds: dict[str, date | None] = {CONSENT_GRANTED: None, CONSENT_WITHDRAWN: None}
    for _, req in ruleset.requirements():
        after = valid_after(req, as_of)
        bound = None if "black" in req.lists or after is None else after
        if bound is not None and req.points < 0:
            bound = min(bound, clean)
        for kind in req.when.kind.exact() or ():
            if kind not in bounds:
                bounds[kind] = bound
            else:
                earlier = bounds[kind]
                bounds[kind] = None if earlier is None or bound is None else min(earlier, bound)
    return tuple(sorted(bounds.items()))
