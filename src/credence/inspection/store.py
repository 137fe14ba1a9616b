"""Keeping inspection plans in the catalog, publishing them, and reading them back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from credence.errors import NotFoundError
from credence.inspection.models import InspectionPlan, PlanItem, PublicItem, PublicPlan
from credence.sql import dict_rows

INSPECTION_DDL = (
    """CREATE TABLE IF NOT EXISTS inspection_plans (
        plan_id VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ, created_by VARCHAR, as_of DATE,
        seed BIGINT, size BIGINT, candidates BIGINT, base_rate DOUBLE,
        published_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS inspection_plan_items (
        plan_id VARCHAR, position BIGINT, subject_code VARCHAR, name VARCHAR, grade VARCHAR,
        lists VARCHAR, rate DOUBLE, inspector VARCHAR)""",
)
_PLAN = "plan_id, created_at, created_by, as_of, seed, size, candidates, base_rate, published_at"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in INSPECTION_DDL:
        con.execute(statement)


def save_plan(con: duckdb.DuckDBPyConnection, plan: InspectionPlan) -> None:
    """Store a drawn plan with its items (inside the caller's transaction)."""
    ensure_tables(con)
    con.execute(
        f"INSERT INTO inspection_plans ({_PLAN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            plan.plan_id,
            plan.created_at,
            plan.created_by,
            plan.as_of,
            plan.seed,
            plan.size,
            plan.candidates,
            plan.base_rate,
            plan.published_at,
        ],
    )
    if plan.items:
        con.executemany(
            "INSERT INTO inspection_plan_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    plan.plan_id,
                    i.position,
                    i.subject_code,
                    i.name,
                    i.grade,
                    json.dumps(i.lists),
                    i.rate,
                    i.inspector,
                ]
                for i in plan.items
            ],
        )


def publish_plan(con: duckdb.DuckDBPyConnection, plan_id: str) -> InspectionPlan:
    """Make a plan public (once; publishing again keeps the first time)."""
    plan = get_plan(con, plan_id)
    if plan.published_at is None:
        now = datetime.now(UTC)
        con.execute(
            "UPDATE inspection_plans SET published_at = ? WHERE plan_id = ?", [now, plan_id]
        )
        plan = plan.model_copy(update={"published_at": now})
    return plan


def get_plan(con: duckdb.DuckDBPyConnection, plan_id: str) -> InspectionPlan:
    ensure_tables(con)
    rows = dict_rows(
        con.execute(f"SELECT {_PLAN} FROM inspection_plans WHERE plan_id = ?", [plan_id])
    )
    if not rows:
        raise NotFoundError(f"no inspection plan {plan_id!r}")
    items = dict_rows(
        con.execute(
            "SELECT position, subject_code, name, grade, lists, rate, inspector "
            "FROM inspection_plan_items WHERE plan_id = ? ORDER BY position",
            [plan_id],
        )
    )
    parsed = [PlanItem.model_validate({**i, "lists": json.loads(i["lists"])}) for i in items]
    return InspectionPlan.model_validate({**rows[0], "items": parsed})


def list_plans(
    con: duckdb.DuckDBPyConnection, published_only: bool = False, limit: int = 20, offset: int = 0
) -> list[InspectionPlan]:
    """Plans, newest first, with their items."""
    ensure_tables(con)
    ids = con.execute(
        "SELECT plan_id FROM inspection_plans WHERE NOT ? OR published_at IS NOT NULL "
        "ORDER BY created_at DESC, plan_id LIMIT ? OFFSET ?",
        [published_only, limit, offset],
    ).fetchall()
    return [get_plan(con, str(plan_id)) for (plan_id,) in ids]


def public_plan(plan: InspectionPlan) -> PublicPlan:
    """The public part of a published plan: which organisations, not who inspects them."""
    if plan.published_at is None:
        raise NotFoundError(f"inspection plan {plan.plan_id} is not published")
    return PublicPlan(
        plan_id=plan.plan_id,
        published_at=plan.published_at,
        as_of=plan.as_of,
        seed=plan.seed,
        items=[PublicItem(subject_code=i.subject_code, name=i.name) for i in plan.items],
    )
