"""An inspection plan as data: what the operator sees, and the public part of it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class PlanItem(BaseModel):
    """One organisation drawn, why its chance was what it was, and who inspects it."""

    position: int
    subject_code: str
    name: str | None
    grade: str | None
    lists: list[str]
    rate: float
    inspector: str


class InspectionPlan(BaseModel):
    plan_id: str
    created_at: datetime
    created_by: str
    as_of: date
    seed: int
    size: int
    candidates: int
    base_rate: float
    published_at: datetime | None
    items: list[PlanItem]


class PublicItem(BaseModel):
    subject_code: str
    name: str | None


class PublicPlan(BaseModel):
    """A published plan as the public sees it: the organisations only."""

    plan_id: str
    published_at: datetime
    as_of: date
    seed: int
    items: list[PublicItem]
