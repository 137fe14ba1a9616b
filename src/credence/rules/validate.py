"""The safeguards (README.md, "Safeguards"), checked in code: no ruleset can configure them away.

``check_ruleset`` returns every error and every warning at once. Each problem's ``where`` names
the rating, the requirement and the field (``ratings[tax].requirements[TAX-LATE].valid_for``),
the spelling the loader uses to add the file and line.

The overlap check ("one record, one penalty") is conservative: two conditions are disjoint only
when that can be proved from the constants alone; anything unsure counts as an overlap.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from credence.errors import Problem
from credence.model import CONSENT_PREFIX, LEGAL_DECISION_CATEGORIES, is_forbidden_category
from credence.rules.duration import FIVE_YEARS
from credence.rules.spec import Compare, KindMatch, Rating, Requirement, Ruleset, subject_kinds

Bound = tuple[float, bool]  # value, closed


@dataclass
class _Found:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.errors.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))


def check_ruleset(ruleset: Ruleset) -> tuple[list[Problem], list[Problem]]:
    """Every safeguard over a parsed ruleset: (errors, warnings)."""
    found = _Found()
    _check_ids(ruleset, found)
    for rating, req in ruleset.requirements():
        _check_requirement(ruleset, rating, req, found)
    _check_overlaps(ruleset, found)
    _check_grades(ruleset, found)
    _check_measures(ruleset, found)
    return found.errors, found.warnings


def requirement_where(rating: Rating, req: Requirement) -> str:
    """How problems name a requirement: ``ratings[<id>].requirements[<id>]``."""
    return f"ratings[{rating.id}].requirements[{req.id}]"


def _check_ids(ruleset: Ruleset, found: _Found) -> None:
    _unique(found, "ratings[{}].id", "rating id", [r.id for r in ruleset.ratings])
    _unique(found, "measures[{}].id", "measure id", [m.id for m in ruleset.measures])
    owners: dict[str, list[str]] = {}
    for rating, req in ruleset.requirements():
        owners.setdefault(req.id, []).append(rating.id)
    for req_id, ratings in owners.items():
        if len(ratings) > 1:
            found.error(
                f"ratings[{ratings[0]}].requirements[{req_id}].id",
                f"requirement id '{req_id}' used {len(ratings)} times "
                f"(ratings {', '.join(ratings)}); ids are unique across the ruleset",
            )


def _unique(found: _Found, where: str, what: str, values: list[str]) -> None:
    for value, count in Counter(values).items():
        if count > 1:
            found.error(where.format(value), f"{what} '{value}' used {count} times")


def _kind_texts(kind: KindMatch) -> list[str]:
    exact = kind.exact()
    return sorted(exact) if exact is not None else [kind.prefix or ""]


def _check_forbidden(at: str, req: Requirement, found: _Found) -> None:
    if is_forbidden_category(req.category):
        found.error(
            f"{at}.category",
            f"'{req.category}' is a forbidden data category: no ruleset may use it",
        )
    for kind in _kind_texts(req.when.kind):
        bad = [part for part in kind.split(".") if part and is_forbidden_category(part)]
        if bad:
            found.error(
                f"{at}.when.kind", f"kind '{kind}' names a forbidden data category ('{bad[0]}')"
            )
    for name in req.when.attributes:
        if is_forbidden_category(name):
            found.error(
                f"{at}.when.attributes.{name}",
                f"attribute '{name}' names a forbidden data category",
            )


def _check_requirement(ruleset: Ruleset, rating: Rating, req: Requirement, found: _Found) -> None:
    at = requirement_where(rating, req)
    _check_forbidden(at, req, found)
    kind = req.when.kind
    if any(k.startswith(CONSENT_PREFIX) for k in kind.exact() or ()) or (
        kind.prefix is not None
        and (kind.prefix.startswith(CONSENT_PREFIX) or CONSENT_PREFIX.startswith(kind.prefix))
    ):
        found.error(
            f"{at}.when.kind",
            f"'{kind.describe()}' can match consent.* records: consent "
            "decides whether a person is scored, it is never a rating event",
        )
    amount = req.when.amount
    if amount is not None and any(_number(v) is None for v in _constants(amount)):
        found.error(f"{at}.when.amount", "amount compares numbers only")
    negative = req.points < 0
    if negative and req.valid_for is None:
        found.error(
            f"{at}.valid_for", "a negative requirement must expire: give valid_for (at most P5Y)"
        )
    if req.valid_for is not None:
        if req.valid_for.approx_days() <= 0:
            found.error(f"{at}.valid_for", "valid_for must be longer than zero")
        elif req.valid_for.approx_days() > FIVE_YEARS.approx_days():
            found.error(
                f"{at}.valid_for",
                f"{req.valid_for} is longer than five years (P5Y): no record counts longer",
            )
    if req.severity is not None and not negative:
        found.error(
            f"{at}.severity",
            "severity is the publicity tier of a negative requirement; "
            f"this one gives {req.points:+d} points",
        )
    extra = [k for k in req.applies_to or () if k not in rating.applies_to]
    if extra:
        found.error(
            f"{at}.applies_to",
            f"{', '.join(extra)} not in the rating's applies_to ({', '.join(rating.applies_to)})",
        )
    if "black" in req.lists:
        _check_black(ruleset, at, req, found)
    if not (req.legal_basis or rating.legal_basis):
        found.warn(
            f"{at}.legal_basis",
            "no legal basis on the requirement or its rating: "
            "its points cannot be explained by a statute",
        )
    if negative and req.cap is None:
        found.warn(f"{at}.cap", "negative requirement without cap: every matching record counts")


def _check_black(ruleset: Ruleset, at: str, req: Requirement, found: _Found) -> None:
    if ruleset.lists.black is None:
        found.error(f"{at}.lists", "lists: [black] but the ruleset defines no lists.black")
    legal = req.category in LEGAL_DECISION_CATEGORIES and (
        req.category != "admin_penalty" or req.severity == "serious"
    )
    if not legal:
        found.error(
            f"{at}.lists",
            "a black listing rests only on a legal decision: category "
            "court_judgment, or admin_penalty with severity: serious "
            f"(here: category {req.category}, severity {req.severity or 'none'})",
        )
    if req.points > 0:
        found.error(f"{at}.lists", "black-list requirements must be negative")


def _check_overlaps(ruleset: Ruleset, found: _Found) -> None:
    pairs = ruleset.requirements()
    for i, (rating_a, a) in enumerate(pairs):
        for rating_b, b in pairs[i + 1 :]:
            if not requirements_disjoint(rating_a, a, rating_b, b):
                found.error(
                    f"{requirement_where(rating_a, a)}.when",
                    f"can match the same record as {requirement_where(rating_b, b)}: one record, "
                    "one penalty (make their kinds, amounts or attributes exclusive)",
                )


def requirements_disjoint(
    rating_a: Rating, a: Requirement, rating_b: Rating, b: Requirement
) -> bool:
    """True only when no record can match both requirements' conditions."""
    if not set(subject_kinds(rating_a, a)) & set(subject_kinds(rating_b, b)):
        return True
    if kinds_disjoint(a.when.kind, b.when.kind):
        return True
    if a.when.amount and b.when.amount and compares_disjoint(a.when.amount, b.when.amount):
        return True
    shared = a.when.attributes.keys() & b.when.attributes.keys()
    return any(compares_disjoint(a.when.attributes[n], b.when.attributes[n]) for n in shared)


def kinds_disjoint(a: KindMatch, b: KindMatch) -> bool:
    """True when no event kind satisfies both matchers."""
    set_a, set_b = a.exact(), b.exact()
    if set_a is not None and set_b is not None:
        return not set_a & set_b
    if set_a is not None:
        return not any(b.matches(k) for k in set_a)
    if set_b is not None:
        return not any(a.matches(k) for k in set_b)
    pa, pb = a.prefix or "", b.prefix or ""
    return not (pa.startswith(pb) or pb.startswith(pa))


def compares_disjoint(a: Compare, b: Compare) -> bool:
    """True when no value satisfies both comparisons (``ne`` never proves it)."""
    for one, other in ((a, b), (b, a)):
        values = [one.eq] if one.eq is not None else one.in_ or []
        if values and not any(_may_hold(one, v) and _may_hold(other, v) for v in values):
            return True
    if _empty(_lower(a, b), _upper(a, b)):
        return True
    pa, pb = a.prefix, b.prefix
    return pa is not None and pb is not None and not (pa.startswith(pb) or pb.startswith(pa))


def _constants(c: Compare) -> list[Any]:
    return [v for op, v in c.operators().items() if op != "in"] + list(c.in_ or ())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _may_equal(x: Any, y: Any) -> bool:
    """Loose on purpose: 1, 1.0, "1" and True may all be equal once an engine casts them."""
    if x == y or str(x).strip().lower() == str(y).strip().lower():
        return True
    try:
        return float(str(x)) == float(str(y))
    except ValueError:
        return False


def _may_hold(c: Compare, value: Any) -> bool:
    """False only when ``value`` surely fails ``c``."""
    ops = c.operators()
    if "eq" in ops and not _may_equal(value, ops["eq"]):
        return False
    if "in" in ops and not any(_may_equal(value, t) for t in ops["in"]):
        return False
    if "prefix" in ops and isinstance(value, str) and not value.startswith(ops["prefix"]):
        return False
    number = _number(value)
    return number is None or not _empty(_lower(c), _upper(c), inside=number)


def _lower(*compares: Compare) -> Bound:
    best: Bound = (-math.inf, False)
    for c in compares:
        for value, closed in ((c.gt, False), (c.gte, True)):
            if value is not None and (value > best[0] or (value == best[0] and not closed)):
                best = (value, closed)
    return best


def _upper(*compares: Compare) -> Bound:
    best: Bound = (math.inf, False)
    for c in compares:
        for value, closed in ((c.lt, False), (c.lte, True)):
            if value is not None and (value < best[0] or (value == best[0] and not closed)):
                best = (value, closed)
    return best


def _empty(lower: Bound, upper: Bound, inside: float | None = None) -> bool:
    """True when no number lies between the bounds (or ``inside`` does not)."""
    if inside is not None:
        lower = max(lower, (inside, True), key=lambda b: (b[0], not b[1]))
        upper = min(upper, (inside, True), key=lambda b: (b[0], b[1]))
    if lower[0] != upper[0]:
        return lower[0] > upper[0]
    return not (lower[1] and upper[1])


def _check_grades(ruleset: Ruleset, found: _Found) -> None:
    for kind in ("person", "organization"):
        bands = ruleset.grades.for_kind(kind)
        _unique(found, f"grades.{kind}[{{}}].grade", "grade name", [b.grade for b in bands])
        previous: int | None = None
        for i, band in enumerate(bands):
            at = f"grades.{kind}[{band.grade}]"
            last = i == len(bands) - 1
            if last and band.min is not None:
                found.error(f"{at}.min", "the last band takes every lower total: it has no min")
            if not last and band.min is None:
                found.error(f"{at}.min", "only the last band may omit min")
            if band.min is not None and previous is not None and band.min >= previous:
                found.error(
                    f"{at}.min",
                    f"min {band.min} must be below the band above "
                    f"({previous}): bands go from best to worst",
                )
            previous = band.min if band.min is not None else previous
            _check_refs(ruleset, f"{at}.measures", band.measures, "a grade", found)
    red = ruleset.lists.red
    if red is not None:
        for kind, name in red.min_grade.items():
            names = [b.grade for b in ruleset.grades.for_kind(kind)]
            if name not in names:
                found.error(
                    f"lists.red.min_grade.{kind}",
                    f"no {kind} grade '{name}' (grades: {', '.join(names)})",
                )
        _check_refs(ruleset, "lists.red.measures", red.measures, "the red list", found)
    if ruleset.lists.black is not None:
        _check_refs(ruleset, "lists.black.measures", ruleset.lists.black.measures, None, found)


def _check_refs(
    ruleset: Ruleset, at: str, ids: list[str], holder: str | None, found: _Found
) -> None:
    """Referenced measures exist; restrictive ones only where ``holder`` is None (black list)."""
    for measure_id in ids:
        measure = ruleset.measure(measure_id)
        if measure is None:
            found.error(at, f"unknown measure '{measure_id}'")
        elif holder is not None and measure.is_restrictive():
            found.error(
                at,
                f"'{measure_id}' is restrictive: it attaches only to the black list, "
                f"never to {holder}",
            )


def _check_measures(ruleset: Ruleset, found: _Found) -> None:
    used = {m for g in (*ruleset.grades.person, *ruleset.grades.organization) for m in g.measures}
    for chosen in (ruleset.lists.black, ruleset.lists.red):
        used.update(chosen.measures if chosen is not None else ())
    for measure in ruleset.measures:
        if measure.id not in used:
            found.warn(f"measures[{measure.id}]", "no list or grade uses this measure")
