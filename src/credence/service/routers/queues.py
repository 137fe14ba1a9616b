"""The operator's queues: appeals (with their deadlines) and credit repair applications.

A decision is the act of ``credence.actions`` (the command line takes the same): it and its audit
entry land in one transaction; an upheld appeal or an approved repair is followed at once by the
rescore of its subject, so the record's points and listing go before the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from credence.actions.appeals import decide_appeal, settle_overdue
from credence.actions.repairs import decide_repair
from credence.identifiers import shown_code
from credence.rights.appeals import list_appeals
from credence.rights.models import Appeal, AppealState, Repair, RepairState
from credence.rights.repair import list_repairs
from credence.service.deps import ROLE_PURPOSE, OperatorCaller, ServiceDep
from credence.service.inputs import AppealDecisionIn, RepairDecisionIn
from credence.service.routers.operator import operator_actor, rescore_out
from credence.service.schemas import AppealDecisionOut, RepairDecisionOut, SettledOut

router = APIRouter(prefix="/operator", tags=["operator"])
OPS = ROLE_PURPOSE["operator"]
Id = Annotated[str, Path(max_length=40)]


def _masked_appeal(appeal: Appeal) -> Appeal:
    code = shown_code(appeal.subject_kind, appeal.subject_code)
    return appeal.model_copy(update={"subject_code": code})


def _masked_repair(repair: Repair) -> Repair:
    code = shown_code(repair.subject_kind, repair.subject_code)
    return repair.model_copy(update={"subject_code": code})


@router.get("/appeals", response_model=list[Appeal])
def appeal_queue(
    service: ServiceDep,
    caller: OperatorCaller,
    state: AppealState | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[Appeal]:
    """Appeals, the nearest deadline first (open ones by default)."""
    with service.db.read() as con:
        found = list_appeals(con, state, None, limit, offset)
    if found:
        service.log(caller.actor, caller.role, "appeals.read", OPS, None,
                    {"appeals": [a.appeal_id for a in found]})  # fmt: skip
    return [_masked_appeal(a) for a in found]


@router.post("/appeals/{appeal_id}/decision", response_model=AppealDecisionOut)
def decide(
    service: ServiceDep, caller: OperatorCaller, appeal_id: Id, body: AppealDecisionIn
) -> AppealDecisionOut:
    """Uphold (the record is voided and the subject rescored at once) or reject an appeal."""
    uphold = body.decision == "uphold"
    decided = decide_appeal(service, operator_actor(caller), appeal_id, uphold, body.reason)
    run = decided.run
    return AppealDecisionOut(
        appeal=_masked_appeal(decided.appeal), rescored=None if run is None else rescore_out(run)
    )


@router.post("/appeals/settle", response_model=SettledOut)
def settle(service: ServiceDep, caller: OperatorCaller) -> SettledOut:
    """Uphold every appeal left undecided past its deadline, and rescore."""
    settled = settle_overdue(service, operator_actor(caller))
    run = settled.run
    return SettledOut(
        upheld=[_masked_appeal(a) for a in settled.upheld],
        rescored=None if run is None else rescore_out(run),
    )


@router.get("/repairs", response_model=list[Repair])
def repair_queue(
    service: ServiceDep,
    caller: OperatorCaller,
    state: RepairState | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[Repair]:
    """Credit repair applications, oldest first (open ones by default)."""
    with service.db.read() as con:
        found = list_repairs(con, state, None, limit, offset)
    if found:
        service.log(caller.actor, caller.role, "repairs.read", OPS, None,
                    {"repairs": [r.repair_id for r in found]})  # fmt: skip
    return [_masked_repair(r) for r in found]


@router.post("/repairs/{repair_id}/decision", response_model=RepairDecisionOut)
def decide_repair_application(
    service: ServiceDep, caller: OperatorCaller, repair_id: Id, body: RepairDecisionIn
) -> RepairDecisionOut:
    """Approve (the record stops counting today, rescored at once) or reject an application."""
    approve = body.decision == "approve"
    decided = decide_repair(service, operator_actor(caller), repair_id, approve, body.reason)
    run = decided.run
    return RepairDecisionOut(
        repair=_masked_repair(decided.repair), rescored=None if run is None else rescore_out(run)
    )
