"""What the endpoints take: request bodies, each bounded so hostile input is a 422 with a message.

Every free-text input goes through ``Text``: UTF-8 only (a lone surrogate cannot reach the
catalog), no control characters, bounded length. Numbers are bounded too, so a huge number is
refused here rather than overflowing deep inside.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictBool

from credence.bounds import VALUE_CHARS, has_control_character
from credence.errors import InvalidInputError


def _plain_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("text must be valid UTF-8") from error
    if has_control_character(value):
        raise ValueError("text must not contain control characters")
    return value


def plain_query(value: str, name: str) -> str:
    """A free-text query parameter checked like ``Text``; InvalidInputError names the parameter."""
    try:
        return _plain_text(value)
    except ValueError as error:
        raise InvalidInputError(f"{name}: {error}") from error


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD``: pydantic alone would read ``0`` as 1970-01-01 (a timestamp)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
Text = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_plain_text)]
ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_text)]
RowKey = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_plain_text)]
RowValue = (
    Annotated[str, Field(max_length=VALUE_CHARS), AfterValidator(_plain_text)]
    | Annotated[int, Field(ge=-(10**15), le=10**15)]
    | Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
    | bool
    | None
)


class AppealIn(BaseModel):
    record_id: ShortText
    reason: Text
    against: Literal["record", "listing"] = "record"


class LinkContestIn(BaseModel):
    record_id: ShortText
    reason: Text


class RepairIn(BaseModel):
    record_id: ShortText
    evidence: Text


class AppealDecisionIn(BaseModel):
    decision: Literal["uphold", "reject"]
    reason: Text


class RepairDecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    reason: Text


class NewRecordIn(BaseModel):
    """One row as the registered source exports it (its own column names and values)."""

    source: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
    row: Annotated[dict[RowKey, RowValue], Field(min_length=1, max_length=100)]


class PlanIn(BaseModel):
    size: Annotated[int, Field(ge=1, le=10_000)]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    inspectors: list[ShortText] | Annotated[int, Field(ge=1, le=1_000)] = 10
    base_rate: Annotated[float, Field(gt=0, le=1)] = 0.05
    publish: StrictBool = True  # true or false: never "yes", 1 or "on"
