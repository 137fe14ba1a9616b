"""Source mappings: one YAML per source says how its columns become canonical records.

The mapping is data, validated with pydantic (unknown keys refused). Loading collects every
problem, structural or safeguard, and raises one MappingError that names the file and field.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from credence.errors import MappingError, Problem
from credence.model import CONSENT_PREFIX, is_forbidden_category

SOURCE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
KIND_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
CONSENT_CATEGORY = "consent"
CONSENT_SCOPE_ATTRIBUTE = "scope"

Column = Annotated[str, Field(min_length=1)]
_PATTERN_HELP = {
    "source": "an id of lowercase letters, digits and dashes",
    "kinds": "a dotted lowercase kind such as tax.filing.late",
    "category": "a lowercase name such as tax or court_judgment",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _column_shorthand(value: Any) -> Any:
    """``kind: event`` is short for ``kind: {column: event}``."""
    return {"column": value} if isinstance(value, str) else value


def _value_shorthand(value: Any) -> Any:
    """``subject_kind: person`` is short for ``subject_kind: {value: person}``."""
    return {"value": value} if isinstance(value, str) else value


def _text_keys(value: Any) -> Any:
    """YAML reads ``{1: x}`` with an integer key; source values are compared as text."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


def _list_shorthand(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class KindSpec(_Strict):
    """Where a row's event kind comes from: a constant, a column, or a column with a value map."""

    value: str | None = None
    column: Column | None = None
    values: Annotated[dict[str, str] | None, BeforeValidator(_text_keys)] = Field(
        default=None, min_length=1
    )

    def emitted(self) -> list[str]:
        """The canonical kinds named by the mapping itself (not those read from a column)."""
        if self.value is not None:
            return [self.value]
        return list((self.values or {}).values())


class SubjectKindSpec(_Strict):
    """Whether a row is about a person or an organisation: a constant, or read from a column."""

    value: Literal["person", "organization"] | None = None
    column: Column | None = None
    values: Annotated[
        dict[str, Literal["person", "organization"]] | None, BeforeValidator(_text_keys)
    ] = Field(default=None, min_length=1)


class DateSpec(_Strict):
    """The column holding the event date, ISO unless a strptime ``format`` is given."""

    column: Column
    format: str | None = Field(default=None, min_length=2)


class Fields(_Strict):
    """Columns of the file that fill the canonical record."""

    record_key: Annotated[list[Column] | None, BeforeValidator(_list_shorthand)] = None
    subject_code: Column | None = None
    kind: Annotated[KindSpec, BeforeValidator(_column_shorthand)]
    occurred_at: Annotated[DateSpec, BeforeValidator(_column_shorthand)]
    amount: Column | None = None
    consent_ref: Column | None = None
    category: Column | None = None


class SourceMapping(_Strict):
    """One source: where it sits, what it holds, and how its columns map to a record."""

    source: str = Field(pattern=SOURCE_PATTERN)
    description: str | None = None
    level: Literal["district", "city", "province", "national", "private"]
    stream: Literal["administrative", "commercial", "social", "judicial"]
    category: str = Field(pattern=NAME_PATTERN)
    consent_required: bool = False
    subject_kind: Annotated[SubjectKindSpec, BeforeValidator(_value_shorthand)]
    fields: Fields
    hints: dict[Annotated[str, Field(pattern=NAME_PATTERN)], Column] = Field(default_factory=dict)
    attributes: dict[Annotated[str, Field(pattern=NAME_PATTERN)], Column] = Field(
        default_factory=dict
    )
    kinds: list[Annotated[str, Field(pattern=KIND_PATTERN)]] = Field(min_length=1)
    # How the file's bytes are read (CSV, JSON Lines): UTF-8 unless given, e.g. gbk, gb18030.
    encoding: str | None = Field(default=None, min_length=2, max_length=32)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return codecs.lookup(value).name
        except LookupError as error:
            raise ValueError(f"unknown encoding '{value}'") from error

    def columns(self) -> list[str]:
        """Every column of the input file this mapping reads, each once, in mapping order."""
        f = self.fields
        named: list[str | None] = [*(f.record_key or []), f.subject_code, f.kind.column]
        named += [f.occurred_at.column, f.amount, f.consent_ref, f.category]
        named += [self.subject_kind.column, *self.hints.values(), *self.attributes.values()]
        return list(dict.fromkeys(c for c in named if c is not None))

    def to_yaml(self) -> str:
        """The mapping as YAML that :func:`parse_mapping` reads back to an equal mapping."""
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load_mapping(path: Path) -> SourceMapping:
    """Read and validate one mapping file, or raise one MappingError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(
            f"source mapping {path} cannot be read",
            [Problem(str(path), error.strerror or str(error))],
        ) from error
    return parse_mapping(text, str(path))


def parse_mapping(text: str, where: str = "<mapping>") -> SourceMapping:
    """Validate mapping YAML text; ``where`` names it in problems (a file, or the catalog)."""
    title = f"source mapping {where} does not load"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(title, [Problem(where, f"not valid YAML: {error}")]) from error
    if not isinstance(data, dict):
        raise MappingError(title, [Problem(where, "expected a YAML mapping of keys")])
    problems: list[Problem] = []
    mapping: SourceMapping | None = None
    try:
        mapping = SourceMapping.model_validate(data)
    except ValidationError as error:
        problems.extend(_structure_problems(error, where))
    problems.extend(Problem(f"{where}: {field}", msg) for field, msg in safeguard_problems(data))
    if problems or mapping is None:
        raise MappingError(title, _unique(problems))
    return mapping


def _structure_problems(error: ValidationError, where: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top)"
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required"
        elif item["type"] == "string_pattern_mismatch":
            shape = _PATTERN_HELP.get(str(item["loc"][0]), "lowercase letters, digits, _")
            message = f"{item['input']!r} is not {shape}"
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(Problem(f"{where}: {field}", message))
    return problems


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def safeguard_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Safeguards and cross-field rules, checked on the raw YAML so they show beside any
    structural problem: forbidden categories, consent kinds, kinds the mapping emits."""
    found: list[tuple[str, str]] = []
    category = data.get("category")
    if isinstance(category, str) and is_forbidden_category(category):
        found.append(("category", f"category '{category}' is a forbidden data category"))
    kinds = [k for k in data.get("kinds") or [] if isinstance(k, str)]
    for index, kind in enumerate(kinds):
        forbidden = [part for part in kind.split(".") if is_forbidden_category(part)]
        if forbidden:
            found.append((f"kinds.{index}", f"kind '{kind}' names a forbidden category"))
        if kind.startswith(CONSENT_PREFIX) and category != CONSENT_CATEGORY:
            found.append((f"kinds.{index}", f"kind '{kind}' needs category: consent"))
    for section in ("hints", "attributes"):
        for name in _as_dict(data.get(section)):
            if isinstance(name, str) and is_forbidden_category(name):
                found.append((f"{section}.{name}", f"'{name}' names a forbidden data category"))
    found.extend(_field_problems(data, kinds))
    return found


def _field_problems(data: dict[str, Any], kinds: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    fields = _as_dict(data.get("fields"))
    kind = fields.get("kind")
    if isinstance(kind, dict):
        found.extend(_kind_spec_problems(kind, kinds))
    subject = data.get("subject_kind")
    if isinstance(subject, dict) and subject.get("value") is not None and subject.get("column"):
        found.append(("subject_kind", "give either value or column, not both"))
    if isinstance(subject, dict) and subject.get("value") is None and not subject.get("column"):
        found.append(("subject_kind", "give a value (person, organization) or a column"))
    if isinstance(subject, dict) and subject.get("values") and not subject.get("column"):
        found.append(("subject_kind.values", "values need a column to map"))
    hints = _as_dict(data.get("hints"))
    if "subject_code" not in fields and "name" not in hints:
        found.append(("fields.subject_code", "map a subject code column, or at least hints.name"))
    if data.get("consent_required") is True and not fields.get("consent_ref"):
        found.append(("fields.consent_ref", "consent_required needs a consent_ref column"))
    if data.get("level") == "private" and data.get("consent_required") is not True:
        found.append(("consent_required", "a private platform must set consent_required: true"))
    attributes = _as_dict(data.get("attributes"))
    if (
        any(k.startswith(CONSENT_PREFIX) for k in kinds)
        and CONSENT_SCOPE_ATTRIBUTE not in attributes
    ):
        found.append(("attributes", "a consent source must map the attribute 'scope'"))
    return found


def _kind_spec_problems(kind: dict[str, Any], kinds: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    has_value, has_column = kind.get("value") is not None, bool(kind.get("column"))
    if has_value == has_column:
        found.append(("fields.kind", "give exactly one of value or column"))
    if kind.get("values") is not None and not has_column:
        found.append(("fields.kind.values", "values need a column to map"))
    emitted = [kind.get("value"), *_as_dict(kind.get("values")).values()]
    for name in emitted:
        if isinstance(name, str) and name not in kinds:
            found.append(("fields.kind", f"kind '{name}' is not listed in kinds"))
    return found
