"""Compile a ruleset and an as-of date into one SQL plan, through sqlglot.

The plan is a short list of named steps (requirements, consent, matched records, score lines,
rating points, scores, listings, measures). The fixed skeleton of each step is written once in
Spark SQL and parsed by sqlglot; everything that depends on the ruleset (conditions, points, caps,
windows, grades) is built as sqlglot expressions and spliced in. Any dialect sqlglot speaks is then
one ``.sql(dialect)`` away: the engines never see two hand-kept copies.

Semantics (DESIGN.md) and the explainer in ``explain.py`` must agree; a hypothesis test holds them
equal on generated rulesets and records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp

from credence.errors import CompileError
from credence.model import CONSENT_GRANTED, CONSENT_WITHDRAWN, SCORING_SCOPE
from credence.rules.duration import SEVERITY_LIMITS, Duration
from credence.rules.spec import (
    Compare,
    KindMatch,
    Requirement,
    Ruleset,
    legal_basis,
    subject_kinds,
)
from credence.rules.validity import valid_after

TEMPLATE_DIALECT = "spark"
RESULT_TABLES = ("score_lines", "rating_points", "scores", "listings", "subject_measures")


@dataclass(frozen=True)
class Step:
    """One named table of the plan and the query that builds it."""

    name: str
    query: exp.Expr
    temporary: bool

    def sql(self, dialect: str = "duckdb") -> str:
        return self.query.sql(dialect=dialect)


@dataclass(frozen=True)
class Plan:
    """The whole scoring plan for one ruleset and one as-of date."""

    ruleset: str
    version: str
    as_of: date
    steps: tuple[Step, ...]

    def sql(self, dialect: str = "duckdb") -> list[tuple[str, str]]:
        """(table name, SELECT statement) in execution order."""
        return [(step.name, step.sql(dialect)) for step in self.steps]


def _lit(value: Any) -> exp.Expr:
    """A typed SQL literal from a Python scalar (None stays NULL)."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _date(value: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)


def _fill(template: str, **parts: exp.Expr) -> exp.Expr:
    """Parse a Spark SQL skeleton and splice expressions in for ``__name__`` columns."""
    tree = sqlglot.parse_one(template, read=TEMPLATE_DIALECT)

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith("__"):
            key = node.name.strip("_")
            if key not in parts:
                raise CompileError(f"internal: no expression for placeholder {node.name}")
            return parts[key].copy()
        return node

    return tree.transform(swap)


# ---------------------------------------------------------------- conditions


def _kind_condition(match: KindMatch, column: exp.Expr) -> exp.Expr:
    exact = match.exact()
    if exact is not None:
        values = sorted(exact)
        if len(values) == 1:
            return exp.EQ(this=column.copy(), expression=_lit(values[0]))
        return exp.In(this=column.copy(), expressions=[_lit(v) for v in values])
    return exp.StartsWith(this=column.copy(), expression=_lit(match.prefix or ""))


def _compare(value: exp.Expr, cmp: Compare, numeric: bool) -> exp.Expr:
    """Every operator of a comparison, AND-ed; NULL (missing) never matches."""
    ops: list[exp.Expr] = []
    for name, operand in cmp.operators().items():
        if name == "in":
            ops.append(
                exp.In(
                    this=value.copy(), expressions=[_lit(_cast_for(v, numeric)) for v in operand]
                )
            )
        elif name == "prefix":
            ops.append(exp.StartsWith(this=value.copy(), expression=_lit(str(operand))))
        else:
            node = {
                "eq": exp.EQ,
                "ne": exp.NEQ,
                "gt": exp.GT,
                "gte": exp.GTE,
                "lt": exp.LT,
                "lte": exp.LTE,
            }[name]
            ops.append(node(this=value.copy(), expression=_lit(_cast_for(operand, numeric))))
    return exp.and_(*ops) if len(ops) > 1 else ops[0]


def _cast_for(value: Any, numeric: bool) -> Any:
    if numeric:
        return float(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attribute_mode(cmp: Compare) -> str:
    """How an attribute is compared: as a number, a boolean or text (the explainer agrees)."""
    values = [v for k, v in cmp.operators().items() if k != "prefix"]
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    if flat and all(isinstance(x, bool) for x in flat):
        return "bool"
    if flat and all(isinstance(x, int | float) and not isinstance(x, bool) for x in flat):
        return "number"
    return "text"


def _attribute(name: str, cmp: Compare) -> exp.Expr:
    raw = exp.JSONExtractScalar(
        this=exp.column("attributes", table="r"), expression=exp.Literal.string(f"$.{name}")
    )
    mode = attribute_mode(cmp)
    if mode == "number":
        return _compare(exp.TryCast(this=raw, to=exp.DataType.build("DOUBLE")), cmp, numeric=True)
    if mode == "bool":
        return _compare(exp.Lower(this=raw), cmp, numeric=False)
    return _compare(raw, cmp, numeric=False)


def _residual(req: Requirement) -> exp.Expr | None:
    """The part of a condition beyond its kind: amount and attributes."""
    parts: list[exp.Expr] = []
    if req.when.amount is not None:
        parts.append(_compare(exp.column("amount", table="r"), req.when.amount, numeric=True))
    for name in sorted(req.when.attributes):
        parts.append(_attribute(name, req.when.attributes[name]))
    if not parts:
        return None
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


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
        row = [_lit(v) for v in values] + [_date(after) if after else exp.null()]
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
        expressions=[exp.Tuple(expressions=[_lit(v) for v in row]) for row in rows],
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
            cond: exp.Expr = exp.EQ(this=exp.column("subject_kind"), expression=_lit(kind))
            if band.min is not None:
                cond = exp.and_(cond, exp.GTE(this=score.copy(), expression=_lit(band.min)))
            case = case.when(cond, _lit(band.grade))
    return case


def _grade_rank_case(ruleset: Ruleset) -> exp.Expr:
    """CASE giving each (kind, grade) its position, 0 being the best band."""
    case = exp.Case()
    for kind in ("person", "organization"):
        for rank, band in enumerate(ruleset.grades.for_kind(kind)):
            cond = exp.and_(
                exp.EQ(this=exp.column("subject_kind"), expression=_lit(kind)),
                exp.EQ(this=exp.column("grade"), expression=_lit(band.grade)),
            )
            case = case.when(cond, _lit(rank))
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


# ---------------------------------------------------------------- the skeleton

_CONSENT = """
SELECT subject_kind, subject_code, GET_JSON_OBJECT(attributes, '$.scope') AS scope
FROM records
WHERE kind IN (__granted__, __withdrawn__) AND subject_code IS NOT NULL AND occurred_at <= __as_of__
GROUP BY subject_kind, subject_code, GET_JSON_OBJECT(attributes, '$.scope')
HAVING MAX(CASE WHEN kind = __granted__ THEN occurred_at END) IS NOT NULL
   AND (MAX(CASE WHEN kind = __withdrawn__ THEN occurred_at END) IS NULL
        OR MAX(CASE WHEN kind = __granted__ THEN occurred_at END)
           > MAX(CASE WHEN kind = __withdrawn__ THEN occurred_at END))
"""

_SUBJECTS = """
SELECT s.subject_kind, s.subject_code,
       (s.subject_kind = 'organization' OR c.subject_code IS NOT NULL) AS scored
FROM subjects AS s
LEFT JOIN (SELECT subject_kind, subject_code FROM cr_consent WHERE scope = __scoring__) AS c
  ON c.subject_kind = s.subject_kind AND c.subject_code = s.subject_code
WHERE s.first_seen <= __as_of__
"""

# Kinds named exactly by a requirement need no data; prefixes are resolved against the kinds seen.
_PREFIX_KINDS = """
SELECT k.kind, q.requirement_id
FROM (SELECT DISTINCT kind FROM records) AS k CROSS JOIN cr_requirements AS q
WHERE __kind_condition__
"""

# Only what a later step reads: records valid today (lines), records of black-list requirements
# (listings, their history included) and negative records inside the red list's clean window.
_MATCHED = """
SELECT r.record_id, r.source, r.subject_kind, r.subject_code, r.kind, r.occurred_at, r.amount,
       q.requirement_id, q.points, q.cap, q.black,
       (q.valid_after IS NULL OR r.occurred_at > q.valid_after) AS valid
FROM records AS r
JOIN cr_kind_map AS m ON r.kind = m.kind
JOIN cr_requirements AS q ON q.requirement_id = m.requirement_id
LEFT JOIN (SELECT * FROM cr_consent WHERE scope <> __scoring__) AS pc
  ON r.level = 'private' AND pc.subject_kind = r.subject_kind
 AND pc.subject_code = r.subject_code AND pc.scope = r.source
WHERE r.subject_code IS NOT NULL AND r.occurred_at <= __as_of__
  AND (q.valid_after IS NULL OR r.occurred_at > q.valid_after OR q.black
       OR (q.points < 0 AND r.occurred_at > __clean_start__))
  AND ((r.subject_kind = 'person' AND q.for_person)
       OR (r.subject_kind = 'organization' AND q.for_organization))
  AND (r.level <> 'private' OR pc.subject_code IS NOT NULL)
  AND __residual__
"""

_LINES = """
SELECT t.subject_kind, t.subject_code, q.rating_id, q.stream, t.requirement_id, t.record_id,
       t.source, t.kind, t.occurred_at, t.amount, t.points, t.cap, t.occurrence,
       (t.cap IS NULL OR t.occurrence <= t.cap) AS counted,
       CASE WHEN t.cap IS NULL OR t.occurrence <= t.cap THEN t.points ELSE 0 END AS points_applied,
       CASE WHEN e.tier_end IS NULL THEN e.valid_end
            WHEN e.valid_end IS NULL OR e.tier_end < e.valid_end THEN e.tier_end
            ELSE e.valid_end END AS expires_on,
       q.category, q.legal_basis, q.severity
FROM (
  SELECT m.*, ROW_NUMBER() OVER (
           PARTITION BY m.subject_kind, m.subject_code, m.requirement_id
           ORDER BY m.occurred_at, m.record_id) AS occurrence
  FROM cr_matched AS m
  JOIN cr_subjects AS s ON s.subject_kind = m.subject_kind AND s.subject_code = m.subject_code
  WHERE m.valid AND s.scored
) AS t
JOIN cr_requirements AS q ON q.requirement_id = t.requirement_id
CROSS JOIN LATERAL (SELECT
  CAST(DATE_ADD(CAST(ADD_MONTHS(t.occurred_at, q.valid_months) AS DATE), q.valid_days) AS DATE)
    AS valid_end,
  CAST(ADD_MONTHS(t.occurred_at, q.tier_months) AS DATE) AS tier_end) AS e
"""

_RATING_POINTS = """
SELECT subject_kind, subject_code, rating_id, stream, SUM(points_applied) AS points,
       COUNT(*) AS lines, SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS counted_lines
FROM score_lines
GROUP BY subject_kind, subject_code, rating_id, stream
"""

_SCORES = """
SELECT t.subject_kind, t.subject_code, t.scored, t.score,
       CASE WHEN t.scored THEN __grade__ END AS grade,
       CASE WHEN t.scored THEN NULL ELSE 'no scoring consent on record' END AS note,
       __as_of__ AS as_of, __ruleset__ AS ruleset, __version__ AS version
FROM (
  SELECT s.subject_kind, s.subject_code, s.scored,
         CASE WHEN s.scored THEN CAST(__base__ + COALESCE(p.points, 0) AS INT) END AS score
  FROM cr_subjects AS s
  LEFT JOIN (SELECT subject_kind, subject_code, SUM(points) AS points
             FROM rating_points GROUP BY subject_kind, subject_code) AS p
    ON p.subject_kind = s.subject_kind AND p.subject_code = s.subject_code
) AS t
"""

_BLACK = """
SELECT 'black' AS list_name, b.subject_kind, b.subject_code, b.record_id, b.requirement_id,
       CASE WHEN __as_of__ < b.published_on THEN 'proposed'
            WHEN __as_of__ < b.expires_on THEN 'published' ELSE 'expired' END AS state,
       b.proposed_on, b.published_on, b.expires_on
FROM (
  SELECT m.subject_kind, m.subject_code, m.record_id, m.requirement_id,
         m.occurred_at AS proposed_on,
         CAST(DATE_ADD(m.occurred_at, __notice__) AS DATE) AS published_on,
         CAST(DATE_ADD(
                CAST(ADD_MONTHS(DATE_ADD(m.occurred_at, __notice__), __dur_months__) AS DATE),
                __dur_days__) AS DATE) AS expires_on
  FROM cr_matched AS m WHERE m.black
) AS b
"""

_RED = """
SELECT 'red' AS list_name, s.subject_kind, s.subject_code, CAST(NULL AS STRING) AS record_id,
       CAST(NULL AS STRING) AS requirement_id, 'published' AS state, __as_of__ AS proposed_on,
       __as_of__ AS published_on, CAST(NULL AS DATE) AS expires_on
FROM (SELECT subject_kind, subject_code, scored, grade, __rank__ AS grade_rank FROM scores) AS s
LEFT JOIN (SELECT DISTINCT subject_kind, subject_code FROM cr_matched
           WHERE points < 0 AND occurred_at > __clean_start__) AS dirty
  ON dirty.subject_kind = s.subject_kind AND dirty.subject_code = s.subject_code
LEFT JOIN (SELECT DISTINCT subject_kind, subject_code FROM cr_black WHERE state <> 'expired') AS bl
  ON bl.subject_kind = s.subject_kind AND bl.subject_code = s.subject_code
WHERE s.scored AND dirty.subject_code IS NULL AND bl.subject_code IS NULL
  AND s.grade_rank <= __min_rank__
"""

_EMPTY_LISTINGS = """
SELECT CAST(NULL AS STRING) AS list_name, CAST(NULL AS STRING) AS subject_kind,
       CAST(NULL AS STRING) AS subject_code, CAST(NULL AS STRING) AS record_id,
       CAST(NULL AS STRING) AS requirement_id, CAST(NULL AS STRING) AS state,
       CAST(NULL AS DATE) AS proposed_on, CAST(NULL AS DATE) AS published_on,
       CAST(NULL AS DATE) AS expires_on
WHERE 1 = 0
"""

_MEASURES = """
SELECT DISTINCT l.subject_kind, l.subject_code, m.measure_id, m.via, m.effect, m.legal_basis
FROM listings AS l JOIN cr_measures AS m ON m.via = CONCAT('list:', l.list_name)
WHERE l.state = 'published'
UNION ALL
SELECT s.subject_kind, s.subject_code, m.measure_id, m.via, m.effect, m.legal_basis
FROM scores AS s JOIN cr_measures AS m ON m.via = CONCAT('grade:', s.subject_kind, ':', s.grade)
WHERE s.scored
"""


def _kind_map(ruleset: Ruleset) -> exp.Expr:
    """(kind, requirement_id): exact kinds as constants, prefixes against the kinds seen."""
    rows = [
        exp.Tuple(expressions=[_lit(kind), _lit(req.id)])
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
                exp.EQ(this=exp.column("requirement_id", table="q"), expression=_lit(req.id)),
                _kind_condition(req.when.kind, kind),
            )
            for req in prefixed
        ]
        condition = exp.or_(*ors) if len(ors) > 1 else ors[0]
        scan = _fill(_PREFIX_KINDS, kind_condition=condition)
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
        residual = _residual(req)
        if residual is not None:
            case = case.when(_lit(req.id), residual)
            found = True
    return case.else_(exp.true()) if found else exp.true()


def _listing_steps(ruleset: Ruleset, as_of: date) -> list[Step]:
    """Black listings from legal decisions' records; red ones from grade and a clean record."""
    day = _date(as_of)
    steps: list[Step] = []
    parts: list[exp.Expr] = []
    black = ruleset.lists.black
    if black is not None:
        steps.append(
            Step(
                "cr_black",
                _fill(
                    _BLACK,
                    as_of=day,
                    notice=_lit(black.notice_days),
                    dur_months=_lit(black.duration.months),
                    dur_days=_lit(black.duration.days),
                ),
                temporary=True,
            )
        )
        parts.append(sqlglot.parse_one("SELECT * FROM cr_black", read=TEMPLATE_DIALECT))
    else:
        steps.append(
            Step("cr_black", sqlglot.parse_one(_EMPTY_LISTINGS, read=TEMPLATE_DIALECT), True)
        )
    red = ruleset.lists.red
    if red is not None:
        min_rank = exp.Case()
        for kind in ("person", "organization"):
            rank = red_min_rank(ruleset, kind)
            min_rank = min_rank.when(
                exp.EQ(this=exp.column("subject_kind", table="s"), expression=_lit(kind)),
                _lit(rank if rank is not None else -1),
            )
        clean_start = _clean_start(ruleset, as_of)
        parts.append(
            _fill(
                _RED,
                as_of=day,
                rank=_grade_rank_case(ruleset),
                min_rank=min_rank,
                clean_start=_date(clean_start),
            )
        )
    if not parts:
        parts.append(sqlglot.parse_one(_EMPTY_LISTINGS, read=TEMPLATE_DIALECT))
    union: exp.Expr = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    steps.append(Step("listings", union, temporary=False))
    return steps


def compile_plan(ruleset: Ruleset, as_of: date) -> Plan:
    """The ruleset as one plan of SQL steps for the given as-of date."""
    day = _date(as_of)
    score = exp.column("score", table="t")
    steps = [
        Step("cr_requirements", _requirements_table(ruleset, as_of), True),
        Step("cr_measures", _measures_table(ruleset), True),
        Step(
            "cr_consent",
            _fill(
                _CONSENT,
                as_of=day,
                granted=_lit(CONSENT_GRANTED),
                withdrawn=_lit(CONSENT_WITHDRAWN),
            ),
            True,
        ),
        Step("cr_subjects", _fill(_SUBJECTS, as_of=day, scoring=_lit(SCORING_SCOPE)), True),
        Step("cr_kind_map", _kind_map(ruleset), True),
        Step(
            "cr_matched",
            _fill(
                _MATCHED,
                as_of=day,
                clean_start=_date(_clean_start(ruleset, as_of)),
                scoring=_lit(SCORING_SCOPE),
                residual=_residual_case(ruleset),
            ),
            True,
        ),
        Step("score_lines", _fill(_LINES, as_of=day), False),
        Step("rating_points", sqlglot.parse_one(_RATING_POINTS, read=TEMPLATE_DIALECT), False),
        Step(
            "scores",
            _fill(
                _SCORES,
                as_of=day,
                base=_lit(ruleset.base_points),
                grade=_grade_case(ruleset, score),
                ruleset=_lit(ruleset.ruleset),
                version=_lit(ruleset.version),
            ),
            False,
        ),
    ]
    steps.extend(_listing_steps(ruleset, as_of))
    steps.append(
        Step("subject_measures", sqlglot.parse_one(_MEASURES, read=TEMPLATE_DIALECT), False)
    )
    return Plan(ruleset.ruleset, ruleset.version, as_of, tuple(steps))
