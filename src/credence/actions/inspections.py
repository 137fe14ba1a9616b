"""Inspection plans as acts: drawn (and published, unless kept as a draft), or published later.

A plan is drawn from the results of the last scoring run, stored and audited in one transaction.
"""

from __future__ import annotations

from credence.actions.scope import Actor, Scope, record
from credence.inspection import DEFAULT_BASE_RATE, store
from credence.inspection import draw_plan as draw
from credence.inspection.models import InspectionPlan


def draw_plan(
    scope: Scope,
    by: Actor,
    size: int,
    seed: int,
    inspectors: list[str],
    base_rate: float = DEFAULT_BASE_RATE,
    publish: bool = True,
) -> InspectionPlan:
    """Draw ``size`` organisations with ``seed``, pair them with inspectors, keep the plan."""
    with scope.write() as con:
        plan = draw(con, size, seed, inspectors, scope.basis(con).as_of, by.name, base_rate)
        store.save_plan(con, plan)
        if publish:
            plan = store.publish_plan(con, plan.plan_id)
        record(
            con, by, "inspection_plan.created", None,
            {"plan_id": plan.plan_id, "seed": seed, "size": size, "published": publish},
        )  # fmt: skip
    return plan


def publish_plan(scope: Scope, by: Actor, plan_id: str) -> InspectionPlan:
    """Publish a drafted plan (publishing again changes nothing)."""
    with scope.write() as con:
        plan = store.publish_plan(con, plan_id)
        record(con, by, "inspection_plan.published", None, {"plan_id": plan_id})
    return plan
