"""The rights' records as pydantic models: what the library returns and the service serves."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

AppealKind = Literal["record", "listing", "link"]
AppealState = Literal["open", "upheld", "rejected"]
RepairState = Literal["open", "approved", "rejected"]


class Appeal(BaseModel):
    """A subject's appeal against a record, a listing, or the link of a record to them."""

    appeal_id: str
    kind: AppealKind
    subject_kind: str
    subject_code: str
    record_id: str
    list_name: str | None
    reason: str
    filed_on: date
    decide_by: date
    state: AppealState
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


class Repair(BaseModel):
    """An application for credit repair of one record, with the evidence of the remedy."""

    repair_id: str
    subject_kind: str
    subject_code: str
    record_id: str
    requirement_id: str
    severity: str
    evidence: str
    filed_on: date
    possible_from: date
    state: RepairState
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


class LinkJudgement(BaseModel):
    """A remembered decision on whether a record belongs to a subject."""

    record_id: str
    subject_code: str
    judgement: Literal["not_theirs", "theirs"]
    appeal_id: str
    decided_by: str
    decided_on: date
