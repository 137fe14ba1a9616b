"""``credence inspect`` and ``credence appeals``: inspection plans and the appeal queue from the
command line, audited like the API (registered by ``service_cmd``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from credence.cli.common import WorkspaceOption, console, handle_errors, open_workspace, print_json
from credence.cli.service_cmd import DayOption, JsonOption, actor, catalog, day_of, table
from credence.inspection import DEFAULT_BASE_RATE, draw_plan, inspectors_from
from credence.inspection.store import list_plans, publish_plan, save_plan
from credence.rights.appeals import decide_appeal, list_appeals, settle_overdue
from credence.rights.basis import current_basis, rescore
from credence.rights.tables import transaction
from credence.service.queries.common import shown_code
from credence.store import Workspace, audit

inspect_app = typer.Typer(help="Inspection plans: double random, one public.")
appeals_app = typer.Typer(help="The appeal queue: list, decide, settle overdue appeals.")


@inspect_app.command("plan")
@handle_errors
def inspect_plan(
    size: Annotated[int, typer.Option(help="Organisations to inspect.", min=1)],
    seed: Annotated[int, typer.Option(help="The same seed gives the same plan.", min=0)],
    inspectors: Annotated[
        str, typer.Option(help="A number of inspectors, or a file with one name per line.")
    ] = "10",
    base_rate: Annotated[
        float, typer.Option(help="Rate of organisations no measure sets one for.")
    ] = DEFAULT_BASE_RATE,
    draft: Annotated[bool, typer.Option(help="Keep the plan unpublished.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    today: DayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draw organisations to inspect, pair them with inspectors at random, publish the plan."""
    team = inspectors_from(inspectors)
    with catalog(open_workspace(workspace)) as con, transaction(con):
        basis = current_basis(con, day_of(today))
        plan = draw_plan(con, size, seed, team, basis.as_of, actor(), base_rate)
        save_plan(con, plan)
        if not draft:
            plan = publish_plan(con, plan.plan_id)
        audit.append(
            con, actor=actor(), role="operator", action="inspection_plan.created",
            purpose="operations", detail={"plan_id": plan.plan_id, "seed": seed, "size": size},
        )  # fmt: skip
    if as_json:
        print_json(plan.model_dump(mode="json"))
        return
    state = "draft" if plan.published_at is None else "published"
    title = f"plan {plan.plan_id} ({state}): {len(plan.items)} of {plan.candidates}, seed {seed}"
    rows = [i.model_dump() for i in plan.items]
    columns = ("position", "subject_code", "name", "grade", "lists", "rate", "inspector")
    console.print(table(title, rows, columns))


@inspect_app.command("plans")
@handle_errors
def inspect_plans(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:  # type: ignore[assignment]
    """The plans drawn so far, newest first."""
    with catalog(open_workspace(workspace)) as con:
        plans = list_plans(con, limit=100)
    rows = [{**p.model_dump(exclude={"items"}), "drawn": len(p.items)} for p in plans]
    if as_json:
        print_json(rows)
        return
    columns = ("plan_id", "created_at", "as_of", "seed", "drawn", "candidates", "published_at")
    console.print(table("inspection plans", rows, columns))


@appeals_app.command("list")
@handle_errors
def appeals_list(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    state: Annotated[str | None, typer.Option(help="open, upheld or rejected")] = "open",
    as_json: JsonOption = False,
) -> None:
    """Appeals, the nearest deadline first (people's codes masked)."""
    with catalog(open_workspace(workspace)) as con:
        found = list_appeals(con, state, limit=10_000)  # type: ignore[arg-type]
    rows = [{**a.model_dump(), "subject_code": shown_code(a.subject_kind, a.subject_code)}
            for a in found]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    columns = ("appeal_id", "kind", "subject_code", "record_id", "filed_on", "decide_by", "state")
    console.print(table("appeals", rows, columns))


def _rescore_after(ws: Workspace, day: date) -> str:
    con = ws.connect()
    try:
        ruleset = current_basis(con, day).ruleset
    finally:
        con.close()
    return rescore(ws, ruleset, day).run_id


@appeals_app.command("decide")
@handle_errors
def appeals_decide(
    appeal_id: str,
    uphold: Annotated[bool, typer.Option("--uphold/--reject", help="The decision.")],
    reason: Annotated[str, typer.Option(help="Why, for the subject to read.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    today: DayOption = None,
) -> None:
    """Decide an open appeal before its deadline; an upheld one voids the record and rescores."""
    ws, day = open_workspace(workspace), day_of(today)
    with catalog(ws) as con, transaction(con):
        decided = decide_appeal(con, appeal_id, uphold, actor(), reason, day)
        audit.append(
            con, actor=actor(), role="operator", action="appeal.decided", purpose="operations",
            subject_kind=decided.subject_kind, subject_code=decided.subject_code,
            detail={"appeal_id": appeal_id, "decision": decided.state},
        )  # fmt: skip
    console.print(f"appeal {appeal_id}: {decided.state}")
    if uphold:
        console.print(
            f"record {decided.record_id} voided; rescored (run {_rescore_after(ws, day)})"
        )


@appeals_app.command("settle")
@handle_errors
def appeals_settle(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    today: DayOption = None,
) -> None:
    """Uphold every appeal left undecided past its deadline, then rescore."""
    ws, day = open_workspace(workspace), day_of(today)
    with catalog(ws) as con, transaction(con):
        upheld = settle_overdue(con, day, actor())
        for a in upheld:
            audit.append(
                con, actor=actor(), role="operator", action="appeal.decided",
                purpose="operations", subject_kind=a.subject_kind, subject_code=a.subject_code,
                detail={"appeal_id": a.appeal_id, "decision": "upheld", "overdue": True},
            )  # fmt: skip
    console.print(f"{len(upheld)} overdue appeal(s) upheld")
    if upheld:
        console.print(f"rescored (run {_rescore_after(ws, day)})")


def register(app: typer.Typer) -> None:
    """Add inspect and appeals to the main app."""
    app.add_typer(inspect_app, name="inspect")
    app.add_typer(appeals_app, name="appeals")
