"""Pydantic schemas per use: what each endpoint gives (and the pages will render).

What endpoints take is in ``requests.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from credence.rights.models import Appeal, Repair

Scalar = str | int | float | bool


class ErrorOut(BaseModel):
    error: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------- public


class PurposeOut(BaseModel):
    purpose: str
    family: str  # credit or compliance
    description: str


class ListingOut(BaseModel):
    list_name: str
    state: str
    requirement_id: str | None
    record_id: str | None
    proposed_on: date | None
    published_on: date | None
    expires_on: date | None


class MeasureOut(BaseModel):
    measure_id: str
    via: str
    effect: dict[str, Scalar]
    legal_basis: str


class PenaltyOut(BaseModel):
    """A public penalty record: a legal decision on an organisation, while it counts."""

    record_id: str
    rating_id: str
    requirement_id: str
    kind: str
    category: str
    source: str
    occurred_at: date
    expires_on: date | None
    points_applied: int
    legal_basis: str


class OrganisationOut(BaseModel):
    subject_code: str
    name: str | None
    as_of: date | None
    ruleset: str | None
    version: str | None
    scored: bool
    score: int | None
    grade: str | None
    rating_points: dict[str, int]
    listings: list[ListingOut]
    measures: list[MeasureOut]
    penalties: list[PenaltyOut]


class OrganisationSummary(BaseModel):
    subject_code: str
    name: str | None
    grade: str | None
    score: int | None
    lists: list[str]


class SearchPage(BaseModel):
    query: str
    total: int
    limit: int
    offset: int
    items: list[OrganisationSummary]


class ListEntry(BaseModel):
    list_name: str
    subject_kind: str
    subject_code: str
    name: str | None
    state: str
    requirement_id: str | None
    record_id: str | None
    proposed_on: date | None
    published_on: date | None
    expires_on: date | None


class ListPage(BaseModel):
    list_name: str
    page: int
    per_page: int
    total: int
    items: list[ListEntry]


class EffectAnswer(BaseModel):
    """One effect answered: its value and the measures (with legal basis) that set it."""

    effect: str
    value: Scalar
    measures: list[str]
    legal_basis: list[str]


class MeasuresAnswer(BaseModel):
    subject_kind: str
    subject_code: str
    purpose: str
    as_of: date
    grade: str | None
    measures: list[MeasureOut]
    answers: list[EffectAnswer]
    summary: str


# ---------------------------------------------------------------- a subject's file


class LineOut(BaseModel):
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
    provenance: dict[str, Any] = Field(default_factory=dict)


class FileListingOut(ListingOut):
    provenance: dict[str, Any] = Field(default_factory=dict)


class AppliedMeasureOut(BaseModel):
    measure_id: str
    via: str
    effect: dict[str, Scalar]
    legal_basis: str


class ExplanationOut(BaseModel):
    """A subject's explanation: the same content as ``credence explain --json``."""

    subject_kind: str
    subject_code: str
    name: str | None
    as_of: date
    ruleset: str
    version: str
    known: bool
    scored: bool
    score: int | None
    grade: str | None
    note: str | None
    lines: list[LineOut]
    rating_points: dict[str, int]
    listings: list[FileListingOut]
    measures: list[AppliedMeasureOut]
    consents: dict[str, bool]


class DisclosureOut(BaseModel):
    """What a relying party is shown of a subject for its stated purpose, and nothing more:
    ``disclosed`` names the parts the purpose allows; the others are absent (null)."""

    subject_kind: str
    subject_code: str
    name: str | None  # an organisation's public name; never a person's
    purpose: str
    as_of: date
    disclosed: list[str]
    grade: str | None = None
    score: int | None = None
    lines: list[LineOut] | None = None
    listings: list[FileListingOut] | None = None
    measures: list[AppliedMeasureOut] | None = None


class DisclosureConsentOut(BaseModel):
    """One purpose a person has agreed, or no longer agrees, to have their file disclosed for."""

    purpose: str
    description: str
    discloses: list[str]
    granted_at: datetime | None
    withdrawn_at: datetime | None
    from_record: bool
    in_force: bool


class WhoLooked(BaseModel):
    """One look at (or change to) a subject's file, as the subject sees it."""

    at: str
    who: str
    role: str
    purpose: str | None
    action: str


# ---------------------------------------------------------------- operator


class NewRecordOut(BaseModel):
    source: str
    batch_id: str
    loaded: int
    duplicates: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    subject_code: str | None
    rescored_run: str | None
    standing: OrganisationSummary | None


class QuarantineRow(BaseModel):
    source: str
    file: str
    row_number: int
    field: str | None
    reason: str
    detail: str | None
    raw: str | None


class Dashboard(BaseModel):
    as_of: date | None
    run_id: str | None
    ruleset: str | None
    version: str | None
    grades: dict[str, list[tuple[str, int]]]
    lists: list[tuple[str, str, str, int]]
    ingest: dict[str, Any]
    appeals_open: int
    appeals_overdue: int
    repairs_open: int
    quarantined: int


class SourceOut(BaseModel):
    source: str
    level: str
    stream: str
    category: str
    columns: list[str]
    kinds: list[str]


class Verification(BaseModel):
    ok: bool
    entries: int
    head_hash: str
    problems: list[dict[str, Any]]
    signed_heads: list[dict[str, Any]] = Field(
        default_factory=list, description="The signed heads the log was checked against"
    )
    notes: list[str] = Field(default_factory=list)


class RescoreOut(BaseModel):
    run_id: str
    as_of: date
    ruleset: str
    version: str
    subjects: int
    scored: int
    seconds: float


class AppealDecisionOut(BaseModel):
    appeal: Appeal
    rescored: RescoreOut | None


class RepairDecisionOut(BaseModel):
    repair: Repair
    rescored: RescoreOut | None


class SettledOut(BaseModel):
    upheld: list[Appeal]
    rescored: RescoreOut | None
