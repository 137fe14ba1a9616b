"""``credence inspect`` and ``credence appeals``: inspection plans and the appeal queue from the
command line. Each change is the action the API takes (``credence.actions``): the same
transaction, the same audit entry, the same rescore of the subjects concerned.
"""

from __future__ import annotations

from typing import Annotated

import typer

from credence.actions.appeals import decide_appeal, settle_overdue
from credence.actions.inspections import draw_plan
from credence.cli.common import (
    DayOption,
    JsonOption,
    WorkspaceOption,
    acting,
    catalog,
    console,
    day_of,
    handle_errors,
    open_workspace,
    operator,
    print_json,
    table,
)
from credence.identifiers import shown_code
from credence.inspection import DEFAULT_BASE_RATE, inspectors_from
from credence.inspection.store import list_plans
from credence.rights.appeals import list_appeals

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
    with acting(open_workspace(workspace), day_of(today)) as scope:
        plan = draw_plan(scope, operator(), size, seed, team, base_rate, publish=not draft)
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


@appeals_app.command("decide")
@handle_errors
def appeals_decide(
    appeal_id: str,
    uphold: Annotated[bool, typer.Option("--uphold/--reject", help="The decision.")],
    reason: Annotated[str, typer.Option(help="Why, for the subject to read.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    today: DayOption = None,
) -> None:
    """Decide an open appeal before its deadline; an upheld one voids the record and rescores
    its subject."""
    with acting(open_workspace(workspace), day_of(today)) as scope:
        decided = decide_appeal(scope, operator(), appeal_id, uphold, reason)
    console.print(f"appeal {appeal_id}: {decided.appeal.state}")
    if decided.run is not None:
        console.print(
            f"record {decided.appeal.record_id} voided; rescored (run {decided.run.run_id})"
        )


@appeals_app.command("settle")
@handle_errors
def appeals_settle(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    today: DayOption = None,
) -> None:
    """Uphold every appeal left undecided past its deadline, then rescore their subjects."""
    with acting(open_workspace(workspace), day_of(today)) as scope:
        settled = settle_overdue(scope, operator())
    console.print(f"{len(settled.upheld)} overdue appeal(s) upheld")
    if settled.run is not None:
        console.print(f"rescored (run {settled.run.run_id})")


def register(app: typer.Typer) -> None:
    """Add inspect and appeals to the main app."""
    app.add_typer(inspect_app, name="inspect")
    app.add_typer(appeals_app, name="appeals")
