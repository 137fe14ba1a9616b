"""The per-subject evaluator: one subject's records in, every line of its score out.

This is the second implementation of the scoring semantics (README.md), written plainly in Python
so a person can follow it. The SQL plan (``compile.py``) and this module must give identical lines,
totals, grades, listings and measures; ``tests/test_plan_explainer_agree.py`` holds them equal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from credence.model import CONSENT_GRANTED, CONSENT_WITHDRAWN, SCORING_SCOPE, Override
from credence.rules.compile import red_min_rank
from credence.rules.conditions import attribute_mode
from credence.rules.duration import Duration
from credence.rules.spec import Compare, Rating, Requirement, Ruleset, legal_basis, subject_kinds
from credence.rules.validity import record_expiry


@dataclass(frozen=True)
class Line:
    """One record matched by one requirement, counted or capped."""

    rating_id: str
    stream: str
    requirement_id: str
    record_id: str
    source: str
    kind: str
    occurred_at: date
    amount: float | None
    points: int
    cap: int | None
    occurrence: int
    counted: bool
    points_applied: int
    expires_on: date | None
    category: str
    legal_basis: str
    severity: str | None


@dataclass(frozen=True)
class Listing:
    list_name: str
    record_id: str | None
    requirement_id: str | None
    state: str
    proposed_on: date
    published_on: date
    expires_on: date | None


@dataclass(frozen=True)
class AppliedMeasure:
    measure_id: str
    via: str
    effect: dict[str, Any]
    legal_basis: str


@dataclass
class Explanation:
    """Everything that makes up one subject's standing on one day under one ruleset."""

    subject_kind: str
    subject_code: str
    as_of: date
    ruleset: str
    version: str
    known: bool  # the subject has at least one record on or before as_of
    scored: bool
    score: int | None
    grade: str | None
    note: str | None
    lines: list[Line] = field(default_factory=list)
    rating_points: dict[str, int] = field(default_factory=dict)
    listings: list[Listing] = field(default_factory=list)
    measures: list[AppliedMeasure] = field(default_factory=list)
    consents: dict[str, bool] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        return json.loads(json.dumps(asdict(self), default=str))


@dataclass(frozen=True)
class _Matched:
    record: Mapping[str, Any]
    rating: Rating
    requirement: Requirement
    natural_end: date | None  # when the rule's window closes
    override: Override

    @property
    def expires_on(self) -> date | None:
        """When the record stops counting: its window, or earlier if it was repaired."""
        repaired = self.override.repaired_on
        if repaired is not None and (self.natural_end is None or repaired < self.natural_end):
            return repaired
        return self.natural_end

    def counts_on(self, as_of: date) -> bool:
        return not self.override.voided and (self.expires_on is None or as_of < self.expires_on)


# ---------------------------------------------------------------- conditions


def _attribute_text(value: Any) -> str | None:
    """What ``json_extract_string`` gives for a JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def _as_number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _holds(value: Any, cmp: Compare, numeric: bool) -> bool:
    if value is None:
        return False
    for name, operand in cmp.operators().items():
        if name == "prefix":
            ok = str(value).startswith(str(operand))
        elif name == "in":
            ok = value in {_operand(o, numeric) for o in operand}
        else:
            target = _operand(operand, numeric)
            ok = {
                "eq": lambda a, b: a == b,
                "ne": lambda a, b: a != b,
                "gt": lambda a, b: a > b,
                "gte": lambda a, b: a >= b,
                "lt": lambda a, b: a < b,
                "lte": lambda a, b: a <= b,
            }[name](value, target)
        if not ok:
            return False
    return True


def _operand(value: Any, numeric: bool) -> Any:
    if numeric:
        return float(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def requirement_matches(requirement: Requirement, record: Mapping[str, Any]) -> bool:
    """True when a record satisfies a requirement's condition (kind, amount, attributes)."""
    when = requirement.when
    if not when.kind.matches(record["kind"]):
        return False
    if when.amount is not None:
        amount = record.get("amount")
        if not _holds(None if amount is None else float(amount), when.amount, numeric=True):
            return False
    if when.attributes:
        attributes = _parse_attributes(record.get("attributes"))
        for name, cmp in when.attributes.items():
            text = _attribute_text(attributes.get(name))
            mode = attribute_mode(cmp)
            if mode == "number":
                value: Any = _as_number(text)
            elif mode == "bool":
                value = text.lower() if text is not None else None
            else:
                value = text
            if not _holds(value, cmp, numeric=mode == "number"):
                return False
    return True


def _parse_attributes(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


# ---------------------------------------------------------------- the evaluation


def consents_at(records: Iterable[Mapping[str, Any]], as_of: date) -> dict[str, bool]:
    """Consent per scope on a day: the latest grant must be later than the latest withdrawal."""
    granted: dict[str, date] = {}
    withdrawn: dict[str, date] = {}
    for record in records:
        if (
            record["kind"] not in (CONSENT_GRANTED, CONSENT_WITHDRAWN)
            or record["occurred_at"] > as_of
        ):
            continue
        scope = _attribute_text(_parse_attributes(record.get("attributes")).get("scope"))
        if scope is None:
            continue
        book = granted if record["kind"] == CONSENT_GRANTED else withdrawn
        book[scope] = max(book.get(scope, record["occurred_at"]), record["occurred_at"])
    return {
        scope: scope not in withdrawn or day > withdrawn[scope] for scope, day in granted.items()
    }


@dataclass(frozen=True)
class _Candidates:
    """A ruleset's requirements for one subject kind, found by a record's kind: those naming
    it (or a set holding it) and those whose prefix it starts with, in the ruleset's order."""

    exact: dict[str, list[tuple[int, Rating, Requirement]]]
    prefixed: list[tuple[int, str, Rating, Requirement]]

    def of(self, record_kind: str) -> list[tuple[Rating, Requirement]]:
        found = list(self.exact.get(record_kind, ()))
        found += [(i, r, q) for i, prefix, r, q in self.prefixed if record_kind.startswith(prefix)]
        return [(rating, requirement) for _, rating, requirement in sorted(found, key=_first)]


def _first(item: tuple[Any, ...]) -> int:
    return int(item[0])


# Rulesets are few and long-lived: their indexes are kept, the ruleset held with its index.
_CANDIDATES: dict[tuple[int, str], tuple[Ruleset, _Candidates]] = {}


def _by_record_kind(ruleset: Ruleset, kind: str) -> _Candidates:
    """The requirements that apply to subjects of ``kind``, indexed by the record kinds they
    match: a record is checked against those alone, not against every requirement."""
    kept = _CANDIDATES.get((id(ruleset), kind))
    if kept is not None and kept[0] is ruleset:
        return kept[1]
    exact: dict[str, list[tuple[int, Rating, Requirement]]] = defaultdict(list)
    prefixed: list[tuple[int, str, Rating, Requirement]] = []
    for index, (rating, requirement) in enumerate(ruleset.requirements()):
        if kind not in subject_kinds(rating, requirement):
            continue
        kinds = requirement.when.kind.exact()
        if kinds is None:
            prefixed.append((index, requirement.when.kind.prefix or "", rating, requirement))
        else:
            for record_kind in kinds:
                exact[record_kind].append((index, rating, requirement))
    found = _Candidates(dict(exact), prefixed)
    if len(_CANDIDATES) > 64:
        _CANDIDATES.clear()
    _CANDIDATES[(id(ruleset), kind)] = (ruleset, found)
    return found


def _match(
    ruleset: Ruleset,
    records: list[Mapping[str, Any]],
    kind: str,
    consents: dict[str, bool],
    as_of: date,
    overrides: Mapping[str, Override],
) -> list[_Matched]:
    found = []
    candidates = _by_record_kind(ruleset, kind)
    for record in records:
        if record["occurred_at"] > as_of:
            continue
        if record.get("level") == "private" and not consents.get(record["source"], False):
            continue
        for rating, requirement in candidates.of(record["kind"]):
            if requirement_matches(requirement, record):
                found.append(
                    _Matched(
                        record,
                        rating,
                        requirement,
                        record_expiry(requirement, record["occurred_at"]),
                        overrides.get(record["record_id"], Override()),
                    )
                )
    return found


def _grade(ruleset: Ruleset, kind: str, score: int) -> str:
    for band in ruleset.grades.for_kind(kind):
        if band.min is None or score >= band.min:
            return band.grade
    raise ValueError(f"no {kind} grade band for {score}")  # the validator makes this unreachable


def _lines(matched: list[_Matched], as_of: date) -> list[Line]:
    valid = [m for m in matched if m.counts_on(as_of)]
    groups: dict[str, list[_Matched]] = defaultdict(list)
    for m in valid:
        groups[m.requirement.id].append(m)
    lines = []
    for group in groups.values():
        group.sort(key=lambda m: (m.record["occurred_at"], m.record["record_id"]))
        for occurrence, m in enumerate(group, start=1):
            req = m.requirement
            counted = req.cap is None or occurrence <= req.cap
            amount = m.record.get("amount")
            lines.append(
                Line(
                    rating_id=m.rating.id,
                    stream=m.rating.stream,
                    requirement_id=req.id,
                    record_id=m.record["record_id"],
                    source=m.record["source"],
                    kind=m.record["kind"],
                    occurred_at=m.record["occurred_at"],
                    amount=None if amount is None else float(amount),
                    points=req.points,
                    cap=req.cap,
                    occurrence=occurrence,
                    counted=counted,
                    points_applied=req.points if counted else 0,
                    expires_on=m.expires_on,
                    category=req.category,
                    legal_basis=legal_basis(m.rating, req),
                    severity=req.severity,
                )
            )
    lines.sort(key=lambda line: (line.rating_id, line.requirement_id, line.occurrence))
    return lines


def _black_listings(ruleset: Ruleset, matched: list[_Matched], as_of: date) -> list[Listing]:
    black = ruleset.lists.black
    if black is None:
        return []
    listings = []
    for m in matched:
        if "black" not in m.requirement.lists:
            continue
        proposed = m.record["occurred_at"]
        published = Duration(days=black.notice_days).add_to(proposed)
        expires = black.duration.add_to(published)
        repaired = m.override.repaired_on
        if m.override.voided:
            state = "revoked"
        elif as_of >= expires:
            state = "expired"
        elif repaired is not None and as_of >= repaired:
            state = "repaired"
        else:
            state = "proposed" if as_of < published else "published"
        listings.append(
            Listing(
                "black",
                m.record["record_id"],
                m.requirement.id,
                state,
                proposed,
                published,
                expires,
            )
        )
    return sorted(listings, key=lambda item: (item.proposed_on, item.record_id or ""))


def _red_listing(
    ruleset: Ruleset,
    kind: str,
    grade: str | None,
    matched: list[_Matched],
    black: list[Listing],
    as_of: date,
) -> Listing | None:
    red = ruleset.lists.red
    if red is None or grade is None:
        return None
    min_rank = red_min_rank(ruleset, kind)
    names = [band.grade for band in ruleset.grades.for_kind(kind)]
    if min_rank is None or names.index(grade) > min_rank:
        return None
    clean_start = Duration(months=-12 * red.clean_years).add_to(as_of)
    if any(
        m.requirement.points < 0 and m.record["occurred_at"] > clean_start and not m.override.voided
        for m in matched
    ):
        return None
    if any(item.state in ("proposed", "published") for item in black):
        return None
    return Listing("red", None, None, "published", as_of, as_of, None)


def _measures(
    ruleset: Ruleset, kind: str, grade: str | None, listings: list[Listing]
) -> list[AppliedMeasure]:
    wanted: list[tuple[str, str]] = []
    for item in listings:
        spec = getattr(ruleset.lists, item.list_name)
        if item.state == "published" and spec is not None:
            wanted.extend((f"list:{item.list_name}", m) for m in spec.measures)
    if grade is not None:
        band = next(b for b in ruleset.grades.for_kind(kind) if b.grade == grade)
        wanted.extend((f"grade:{kind}:{grade}", m) for m in band.measures)
    applied = []
    for via, measure_id in sorted(set(wanted)):
        measure = ruleset.measure(measure_id)
        if measure is not None:
            applied.append(
                AppliedMeasure(measure.id, via, dict(measure.effect), measure.legal_basis)
            )
    return applied


def explain(
    ruleset: Ruleset,
    subject_kind: str,
    subject_code: str,
    records: Iterable[Mapping[str, Any]],
    as_of: date,
    overrides: Mapping[str, Override] | None = None,
) -> Explanation:
    """Evaluate one subject from its own records only (no other subject can reach in).

    ``overrides`` are the decisions on its records (upheld appeals, approved repairs).
    """
    own = [
        r
        for r in records
        if r.get("subject_code") == subject_code and r.get("subject_kind") == subject_kind
    ]
    known = any(r["occurred_at"] <= as_of for r in own)
    consents = consents_at(own, as_of)
    scored = known and (subject_kind == "organization" or consents.get(SCORING_SCOPE, False))
    matched = _match(ruleset, own, subject_kind, consents, as_of, overrides or {})
    lines = _lines(matched, as_of) if scored else []
    rating_points: dict[str, int] = defaultdict(int)
    for line in lines:
        rating_points[line.rating_id] += line.points_applied
    score = ruleset.base_points + sum(rating_points.values()) if scored else None
    grade = _grade(ruleset, subject_kind, score) if score is not None else None
    black = _black_listings(ruleset, matched, as_of)
    red = _red_listing(ruleset, subject_kind, grade, matched, black, as_of)
    listings = black + ([red] if red else [])
    note = None if scored or not known else "no scoring consent on record"
    return Explanation(
        subject_kind=subject_kind,
        subject_code=subject_code,
        as_of=as_of,
        ruleset=ruleset.ruleset,
        version=ruleset.version,
        known=known,
        scored=scored,
        score=score,
        grade=grade,
        note=note,
        lines=lines,
        rating_points=dict(rating_points),
        listings=listings,
        measures=_measures(ruleset, subject_kind, grade, listings),
        consents=consents,
    )
