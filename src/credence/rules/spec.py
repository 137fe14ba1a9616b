"""The ruleset as pydantic models: exactly the YAML of the rule language (README.md), nothing
executable.

Conditions are data (kind equals / in / prefix, amount and attribute comparisons). Unknown keys
are refused, so a ``sql:`` or ``python:`` field can never sneak in.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from credence.rules.duration import Duration

SubjectKind = Literal["person", "organization"]
Stream = Literal["administrative", "commercial", "social", "judicial"]
Severity = Literal["minor", "general", "serious"]
Scalar = str | int | float | bool

KIND_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


def _parse_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return Duration.parse(value)


IsoDuration = Annotated[
    Duration,
    BeforeValidator(_parse_duration),
    PlainSerializer(lambda d: d.iso(), return_type=str),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Compare(_Strict):
    """One comparison; every operator given must hold."""

    eq: Scalar | None = None
    ne: Scalar | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    prefix: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Compare:
        if not self.operators():
            raise ValueError("a comparison needs one of eq, ne, gt, gte, lt, lte, in, prefix")
        return self

    def operators(self) -> dict[str, Any]:
        """The operators in use, keyed by their YAML name."""
        names = ("eq", "ne", "gt", "gte", "lt", "lte", "in_", "prefix")
        found = {n.rstrip("_"): getattr(self, n) for n in names if getattr(self, n) is not None}
        return found


def _compare_from_scalar(value: Any) -> Any:
    """``amount: 5`` is short for ``amount: {eq: 5}``."""
    if isinstance(value, str | int | float | bool):
        return {"eq": value}
    return value


CompareField = Annotated[Compare, BeforeValidator(_compare_from_scalar)]


class KindMatch(_Strict):
    """How a requirement picks event kinds: one of equals, in, prefix."""

    eq: str | None = Field(default=None, pattern=KIND_PATTERN)
    in_: list[Annotated[str, Field(pattern=KIND_PATTERN)]] | None = Field(
        default=None, alias="in", min_length=1
    )
    prefix: str | None = Field(default=None, pattern=r"^[a-z0-9_.]+$")

    @model_validator(mode="after")
    def _exactly_one(self) -> KindMatch:
        given = [x for x in (self.eq, self.in_, self.prefix) if x is not None]
        if len(given) != 1:
            raise ValueError("kind takes exactly one of: a kind, {in: [...]}, {prefix: ...}")
        return self

    def exact(self) -> frozenset[str] | None:
        """The set of kinds matched, or None for a prefix."""
        if self.eq is not None:
            return frozenset({self.eq})
        if self.in_ is not None:
            return frozenset(self.in_)
        return None

    def matches(self, kind: str) -> bool:
        exact = self.exact()
        if exact is not None:
            return kind in exact
        return kind.startswith(self.prefix or "")

    def describe(self) -> str:
        if self.eq is not None:
            return self.eq
        if self.in_ is not None:
            return "one of " + ", ".join(self.in_)
        return f"{self.prefix}*"


def _kind_from_scalar(value: Any) -> Any:
    return {"eq": value} if isinstance(value, str) else value


class When(_Strict):
    """The condition of a requirement, read only from the subject's own record."""

    kind: Annotated[KindMatch, BeforeValidator(_kind_from_scalar)]
    amount: CompareField | None = None
    attributes: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], CompareField] = Field(
        default_factory=dict
    )


class Requirement(_Strict):
    """A rating requirement: a condition, points, and everything that explains them."""

    id: str = Field(pattern=ID_PATTERN)
    when: When
    points: int
    cap: int | None = Field(default=None, ge=1)
    valid_for: IsoDuration | None = None
    severity: Severity | None = None
    category: str = Field(min_length=1)
    legal_basis: str | None = None  # missing: a warning, inherited from the rating if it has one
    lists: list[Literal["black"]] = Field(default_factory=list)
    applies_to: list[SubjectKind] | None = None
    description: str | None = None

    @field_validator("points")
    @classmethod
    def _non_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("points must not be zero")
        return value


class Rating(_Strict):
    """A group of requirements on one stream, applied to people, organisations or both."""

    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    stream: Stream
    applies_to: list[SubjectKind] = Field(min_length=1)
    requirements: list[Requirement] = Field(min_length=1)
    legal_basis: str | None = None
    description: str | None = None


class Grade(_Strict):
    """A grade band: the total at or above ``min`` (the last band has no minimum)."""

    grade: str = Field(min_length=1)
    min: int | None = None
    measures: list[str] = Field(default_factory=list)


class Grades(_Strict):
    person: list[Grade] = Field(min_length=1)
    organization: list[Grade] = Field(min_length=1)

    def for_kind(self, kind: str) -> list[Grade]:
        return self.person if kind == "person" else self.organization


class BlackList(_Strict):
    notice_days: int = Field(ge=0)
    duration: IsoDuration
    measures: list[str] = Field(default_factory=list)


class RedList(_Strict):
    min_grade: dict[SubjectKind, str]
    clean_years: int = Field(ge=0)
    measures: list[str] = Field(default_factory=list)


class Lists(_Strict):
    black: BlackList | None = None
    red: RedList | None = None


class Measure(_Strict):
    """A consequence with its legal basis; restrictive ones attach only to lists."""

    id: str = Field(pattern=ID_PATTERN)
    effect: dict[str, Scalar] = Field(min_length=1)
    legal_basis: str = Field(min_length=3)
    restrictive: bool | None = None
    description: str | None = None

    def is_restrictive(self) -> bool:
        """Declared, or inferred: any permission set to false restricts the subject."""
        if self.restrictive is not None:
            return self.restrictive
        return any(value is False for value in self.effect.values())


class Ruleset(_Strict):
    """A whole ruleset: immutable once published, identified by name and version."""

    ruleset: str = Field(pattern=ID_PATTERN)
    version: Annotated[str, BeforeValidator(str)]
    base_points: int
    description: str | None = None
    grades: Grades
    ratings: list[Rating] = Field(min_length=1)
    lists: Lists = Field(default_factory=Lists)
    measures: list[Measure] = Field(default_factory=list)

    def requirements(self) -> list[tuple[Rating, Requirement]]:
        """Every requirement with its rating, in file order."""
        return [(rating, req) for rating in self.ratings for req in rating.requirements]

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


def legal_basis(rating: Rating, requirement: Requirement) -> str:
    """The statute a requirement rests on, its own or its rating's."""
    return requirement.legal_basis or rating.legal_basis or "not stated"


def subject_kinds(rating: Rating, requirement: Requirement) -> list[str]:
    """The subject kinds a requirement applies to: its own list within its rating's."""
    kinds = requirement.applies_to or rating.applies_to
    return [k for k in ("person", "organization") if k in kinds and k in rating.applies_to]
