"""Inspection plans for operators: draw ("double random"), keep, publish ("one public")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from credence.actions.inspections import draw_plan, publish_plan
from credence.inspection import inspectors_from
from credence.inspection.models import InspectionPlan
from credence.inspection.store import get_plan, list_plans
from credence.service.deps import ROLE_PURPOSE, OperatorCaller, ServiceDep
from credence.service.inputs import PlanIn
from credence.service.routers.operator import operator_actor

router = APIRouter(prefix="/operator/inspections", tags=["operator"])
OPS = ROLE_PURPOSE["operator"]


@router.post("/plans", response_model=InspectionPlan, status_code=201)
def create_plan(service: ServiceDep, caller: OperatorCaller, body: PlanIn) -> InspectionPlan:
    """Draw a plan (the same seed on the same results gives the same plan) and publish it."""
    team = (
        inspectors_from(str(body.inspectors))
        if isinstance(body.inspectors, int)
        else list(body.inspectors)
    )
    return draw_plan(
        service, operator_actor(caller), body.size, body.seed, team, body.base_rate, body.publish
    )


@router.get("/plans", response_model=list[InspectionPlan])
def plans(
    service: ServiceDep,
    caller: OperatorCaller,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[InspectionPlan]:
    """Every plan, newest first, with the inspector of each organisation."""
    with service.db.read() as con:
        return list_plans(con, False, limit, offset)


@router.get("/plans/{plan_id}", response_model=InspectionPlan)
def plan(
    service: ServiceDep, caller: OperatorCaller, plan_id: Annotated[str, Path(max_length=40)]
) -> InspectionPlan:
    with service.db.read() as con:
        return get_plan(con, plan_id)


@router.post("/plans/{plan_id}/publish", response_model=InspectionPlan)
def publish(
    service: ServiceDep, caller: OperatorCaller, plan_id: Annotated[str, Path(max_length=40)]
) -> InspectionPlan:
    """Publish a drafted plan (publishing again changes nothing)."""
    return publish_plan(service, operator_actor(caller), plan_id)
