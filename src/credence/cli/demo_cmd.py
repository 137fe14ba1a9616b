"""``credence demo``: the city pilot end to end, with a summary a newcomer can read."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.rule import Rule
from rich.table import Table

from credence.actions.demo import DemoResult, run_demo
from credence.cli.common import console, handle_errors
from credence.cli.render import explanation_panel, grade_table, lists_table
from credence.rules.loader import default_ruleset_path


def _summary(result: DemoResult) -> None:
    ingest = result.ingest
    console.print(Rule("what went in"))
    table = Table(title=f"{len(ingest['by_source'])} sources ingested into {result.workspace}")
    for column in ("source", "rows", "loaded", "duplicates", "quarantined"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in ingest["by_source"]:
        table.add_row(
            row["source"], f"{row['rows_in']:,}", f"{row['loaded']:,}",
            f"{row['duplicates']:,}", f"{row['quarantined']:,}",
        )  # fmt: skip
    table.add_row(
        "[bold]total", f"{ingest['rows_in']:,}", f"{ingest['loaded']:,}",
        f"{ingest['duplicates']:,}", f"{ingest['quarantined']:,}",
    )  # fmt: skip
    console.print(table)
    reasons = Table(title="quarantined, by reason")
    reasons.add_column("reason")
    reasons.add_column("rows", justify="right")
    for reason, count in ingest["quarantined_by_reason"].items():
        reasons.add_row(reason, f"{count:,}")
    console.print(reasons)
    if result.resolution is not None:
        outcome = result.resolution
        linked = sum(s.linked for s in outcome.sources)
        review = sum(s.review for s in outcome.sources)
        rows = sum(s.rows for s in outcome.sources)
        console.print(
            f"Resolution: {rows:,} rows without a code, {linked:,} linked to a registry subject, "
            f"{review:,} waiting for review (`credence review`), {rows - linked - review:,} left "
            f"unresolved; {outcome.duplicates:,} copies held at two levels counted once."
        )
    run = result.run
    console.print(Rule("what came out"))
    console.print(
        f"{run.subjects:,} subjects on {run.as_of} under {run.ruleset} {run.version}: "
        f"{run.scored:,} scored, {run.subjects - run.scored:,} people without scoring consent "
        f"(their lists from legal decisions still apply), {run.lines:,} score lines."
    )
    console.print(grade_table(result.grades))
    console.print(lists_table(result.lists))
    console.print(Rule("three explanations"))
    for label, found in result.examples:
        console.print(f"[bold]{label}[/]")
        console.print(explanation_panel(found, max_lines=12))
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(Rule("the rulebook"))
    console.print(
        f"The rules every subject was scored under, in words a rated person can read: "
        f"{', '.join(str(p) for p in result.rulebook)}"
    )
    console.print(Rule("explore further"))
    ws = result.workspace
    first = result.examples[0][1].explanation.subject_code if result.examples else "CODE"
    console.print(
        f"Timings: {timings}.\n"
        f"  credence explain {first} -w {ws}\n"
        f"  credence lists black -w {ws}            (or red; --format csv|json)\n"
        f"  credence quarantine -w {ws}\n"
        f"  credence export scores --out scores.csv -w {ws}\n"
        f"  credence score --as-of 2024-01-01 -w {ws}\n"
        f"  credence rules validate {default_ruleset_path()}"
    )


@handle_errors
def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Workspace folder for the demo city.")
    ] = Path("demo-workspace"),
    people: Annotated[int, typer.Option(help="People in the city.")] = 20_000,
    organizations: Annotated[int, typer.Option(help="Organisations in the city.")] = 2_000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same city.")] = 7,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Day of the city (default today)."),
    ] = None,
) -> None:
    """Generate a city, ingest its local databases, score it and show what was found."""
    day = as_of.date() if as_of else date.today()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def step(what: str, done: int, total: int | None) -> None:
            bar.update(task, description=what, completed=done, total=total)

        result = run_demo(workspace, people, organizations, seed, day, progress=step)
    _summary(result)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the main app."""
    app.command()(demo)
