"""What to compare and how: one YAML per source (``credence resolve``) or per pair of files
(``credence link``), validated with pydantic; loading collects every problem and raises once.

```yaml
source: xishan-market-regulator      # resolve: the source whose code-less rows are linked
subject_kind: organization           # resolve: only its rows of this kind (default: all)
left: {id: case_id}                  # link: the id column of each file
right: {id: person_id}
fields:
  - {field: name, compare: firm_name, left: name, right: name, right_also: former_names}
  - {field: legacy_id, compare: legacy_number}
  - {field: founded, compare: date, left: founded_on, right: birth_date}
blocking: [[legacy_id], [name], [name_pinyin], [name_prefix, district]]
thresholds: {accept: 0.99, review: 0.8}
place_names: [澜城市, 澜城, 西山区]
```

A field's ``left`` / ``right`` name the columns (hints, for resolve) on each side; several columns
are joined with a space (given name and surname); ``*_also`` columns hold other values that
may match (former names: a list, or text separated by ``|`` or ``;``). Blocking rules name the
keys a field derives (``KEYS`` below).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from credence.errors import Problem, ProblemsError

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
SOURCE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Compare = Literal[
    "exact", "name", "firm_name", "date", "address", "identity_number", "legacy_number",
    "levenshtein", "jaro", "jaro_winkler",
]  # fmt: skip

# The keys each kind of comparison derives from its field (``{f}`` is the field's name):
# the columns the comparison reads and the ones blocking rules may name.
KEYS: dict[str, tuple[str, ...]] = {
    "name": ("{f}", "{f}_pinyin"),
    "firm_name": ("{f}", "{f}_pinyin", "{f}_full", "{f}_prefix"),
    "date": ("{f}", "{f}_year"),
    "address": ("{f}", "{f}_street"),
}
# Keys that hold a list of values (a name and its former names): blocking explodes them.
LIST_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("{f}", "{f}_pinyin"),
    "firm_name": ("{f}", "{f}_pinyin", "{f}_full"),
}
FUZZY = ("levenshtein", "jaro", "jaro_winkler")
DEFAULT_THRESHOLDS: dict[str, list[float]] = {
    "levenshtein": [1, 2],
    "jaro": [0.9, 0.8],
    "jaro_winkler": [0.92, 0.85],
}


class ResolveConfigError(ProblemsError):
    """A resolution or linkage config that does not load."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Columns = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]


class FieldSpec(_Strict):
    """One thing compared: the columns it comes from on each side and how it is compared."""

    field: str = Field(pattern=NAME_PATTERN)
    compare: Compare
    left: Columns | None = None  # default: the field's name
    right: Columns | None = None
    left_also: Columns = Field(default_factory=list)
    right_also: Columns = Field(default_factory=list)
    thresholds: list[float] | None = None  # levenshtein distances or similarities
    date_formats: list[str] = Field(default_factory=list)

    @property
    def left_columns(self) -> list[str]:
        return list(self.left or [self.field])

    @property
    def right_columns(self) -> list[str]:
        return list(self.right or [self.field])

    def derived(self) -> list[str]:
        """The columns this field derives, its own name first."""
        return [k.format(f=self.field) for k in KEYS.get(self.compare, ("{f}",))]

    def derived_lists(self) -> list[str]:
        return [k.format(f=self.field) for k in LIST_KEYS.get(self.compare, ())]

    def levels(self) -> list[float]:
        """Thresholds of a fuzzy comparison, strictest first."""
        values = self.thresholds or DEFAULT_THRESHOLDS.get(self.compare, [])
        return sorted(values) if self.compare == "levenshtein" else sorted(values, reverse=True)


class Side(_Strict):
    """One file of ``credence link``: the column that identifies its rows."""

    id: str = Field(min_length=1)


class Thresholds(_Strict):
    """Above ``accept`` a row is linked; from ``review`` up it waits for a person."""

    accept: float = Field(default=0.99, gt=0, le=1)
    review: float = Field(default=0.8, gt=0, le=1)
    unique: bool = True  # a second candidate above ``review`` sends the row to review

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.accept:
            raise ValueError(f"review ({self.review}) must not be above accept ({self.accept})")
        return self


class Training(_Strict):
    """How the model is trained: u by random sampling, m by EM on each training rule."""

    em_blocking: list[list[str]] | None = None  # default: the blocking rules
    u_pairs: float = Field(default=2e6, gt=0)
    em_pairs: float = Field(default=2e6, gt=0)
    min_em_pairs: int = Field(default=200, ge=1)
    match_share: float = Field(default=1.0, gt=0, le=1)  # left rows expected to have a match
    seed: int = 42


class LinkConfig(_Strict):
    """Everything resolution or linkage needs to know about one pair of sides."""

    source: str | None = Field(default=None, pattern=SOURCE_PATTERN)
    subject_kind: Literal["person", "organization"] | None = None  # resolve: only these rows
    description: str | None = None
    left: Side | None = None
    right: Side | None = None
    fields: list[FieldSpec] = Field(min_length=1)
    blocking: list[list[str]] = Field(min_length=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    place_names: list[str] = Field(default_factory=list)
    training: Training = Field(default_factory=Training)

    @property
    def key(self) -> str:
        """What a stored config, its model and its review pairs are filed under."""
        return f"{self.source}/{self.subject_kind}" if self.subject_kind else str(self.source)

    def derived(self) -> dict[str, FieldSpec]:
        """Every derived key with the field it comes from."""
        return {key: f for f in self.fields for key in f.derived()}

    def list_keys(self) -> set[str]:
        return {key for f in self.fields for key in f.derived_lists()}

    def em_rules(self) -> list[list[str]]:
        return self.training.em_blocking or self.blocking

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def digest(self) -> str:
        """A hash of what the model depends on (not the thresholds, which only read it), so a
        stored model is reused only for the config it was trained for."""
        data = self.model_dump(mode="json", exclude={"thresholds", "description"})
        text = yaml.safe_dump(data, sort_keys=True, allow_unicode=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_config(path: Path) -> LinkConfig:
    """Read and validate one config file, or raise one ResolveConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ResolveConfigError(
            f"config {path} cannot be read", [Problem(str(path), error.strerror or str(error))]
        ) from error
    return parse_config(text, str(path))


def parse_config(text: str, where: str = "<config>") -> LinkConfig:
    """Validate config YAML text; ``where`` names it in problems."""
    title = f"config {where} does not load"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ResolveConfigError(title, [Problem(where, f"not valid YAML: {error}")]) from error
    if not isinstance(data, dict):
        raise ResolveConfigError(title, [Problem(where, "expected a YAML mapping of keys")])
    try:
        config = LinkConfig.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(
                f"{where}: {'.'.join(str(p) for p in item['loc']) or '(top)'}",
                "unknown key" if item["type"] == "extra_forbidden" else
                str(item["msg"]).removeprefix("Value error, "),
            )
            for item in error.errors()
        ]  # fmt: skip
        raise ResolveConfigError(title, problems) from error
    problems = _cross_problems(config, where)
    if problems:
        raise ResolveConfigError(title, problems)
    return config


def _cross_problems(config: LinkConfig, where: str) -> list[Problem]:
    problems: list[Problem] = []
    names = [f.field for f in config.fields]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(f"{where}: fields", f"field {name!r} is given twice"))
    keys = config.derived()
    known = ", ".join(keys)
    for section, rules in (("blocking", config.blocking), ("training.em_blocking",
                                                            config.training.em_blocking or [])):
        for i, rule in enumerate(rules):
            if not rule:
                problems.append(Problem(f"{where}: {section}.{i}", "a rule needs a key"))
            for key in rule:
                if key not in keys:
                    problems.append(
                        Problem(f"{where}: {section}.{i}", f"unknown key {key!r}; one of {known}")
                    )
    for i, f in enumerate(config.fields):
        if f.thresholds is not None and f.compare not in FUZZY:
            problems.append(Problem(f"{where}: fields.{i}.thresholds",
                                    f"only {', '.join(FUZZY)} comparisons take thresholds"))
        if f.compare in ("jaro", "jaro_winkler") and any(
            not 0 < t <= 1 for t in f.thresholds or []
        ):
            problems.append(Problem(f"{where}: fields.{i}.thresholds",
                                    "similarities lie between 0 and 1"))
        if f.compare == "levenshtein" and any(t < 1 or t != int(t) for t in f.thresholds or []):
            problems.append(Problem(f"{where}: fields.{i}.thresholds",
                                    "levenshtein thresholds are whole distances from 1"))
    if (config.left is None) != (config.right is None):
        problems.append(Problem(f"{where}: left/right", "give the id column of both sides"))
    return problems
