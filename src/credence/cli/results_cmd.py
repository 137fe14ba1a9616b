"""Commands that score a workspace and read what scoring wrote: score, explain, lists, export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credence.cli.common import (
    WorkspaceOption,
    console,
    handle_errors,
    open_workspace,
    print_json,
)
from credence.cli.render import explanation_panel, grade_table, lists_table
from credence.exports import EXPORTS, export_table
from credence.lists import read_list
from credence.reports import grade_distribution, list_counts
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.scoring import latest_run, load_stored_ruleset, score_workspace
from credence.subjects import subject_file


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Day to score on (default: today)."),
]
RulesetOption = Annotated[
    Path | None,
    typer.Option("--ruleset", "-r", help="Ruleset YAML (default: the packaged starter ruleset)."),
]


def _ruleset(path: Path | None) -> Ruleset:
    return load_ruleset(path if path is not None else default_ruleset_path())


@handle_errors
def score(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: AsOfOption = None,
    ruleset_path: RulesetOption = None,
    output: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """Score every subject on a day under a ruleset; write scores, lines, lists and measures."""
    ws = open_workspace(workspace)
    ruleset = _ruleset(ruleset_path)
    day = as_of.date() if as_of else date.today()
    with Progress(
        TextColumn("[bold]scoring[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=output is Format.json,
    ) as bar:
        task = bar.add_task("", total=1)

        def step(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total)

        run = score_workspace(ws, ruleset, day, progress=step)
    con = ws.connect()
    try:
        grades = grade_distribution(con, ruleset)
        counts = list_counts(con)
    finally:
        con.close()
    if output is Format.json:
        print_json(
            {
                "run_id": run.run_id,
                "as_of": run.as_of.isoformat(),
                "ruleset": run.ruleset,
                "version": run.version,
                "ruleset_hash": run.ruleset_hash,
                "subjects": run.subjects,
                "scored": run.scored,
                "lines": run.lines,
                "seconds": round(run.seconds, 3),
                "grades": {k: dict(v) for k, v in grades.items()},
                "lists": [
                    {"list": a, "subject_kind": b, "state": c, "subjects": n}
                    for a, b, c, n in counts
                ],
            }
        )
        return
    console.print(
        f"Scored [bold]{run.subjects:,}[/] subjects ({run.scored:,} with a score, "
        f"{run.subjects - run.scored:,} people without scoring consent) on {run.as_of} under "
        f"{run.ruleset} {run.version}: {run.lines:,} score lines in {run.seconds:.1f} s."
    )
    console.print(grade_table(grades))
    console.print(lists_table(counts))


def _explain_inputs(
    con: Any, ruleset_path: Path | None, as_of: datetime | None
) -> tuple[Ruleset, date]:
    run = latest_run(con)
    if ruleset_path is not None:
        ruleset = load_ruleset(ruleset_path)
    elif run is not None:
        ruleset = load_stored_ruleset(con, str(run["ruleset_hash"]))
    else:
        ruleset = _ruleset(None)
    if as_of is not None:
        day = as_of.date()
    elif run is not None and isinstance(run["as_of"], date):
        day = run["as_of"]
    else:
        day = date.today()
    return ruleset, day


@handle_errors
def explain(
    code: Annotated[
        str, typer.Argument(help="USCC of an organisation or identity number of a person.")
    ],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Day (default: the last scoring run's)."
        ),
    ] = None,
    ruleset_path: Annotated[
        Path | None,
        typer.Option("--ruleset", "-r", help="Ruleset YAML (default: the last run's)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Explain one subject: total, grade, lists, measures and every line with its legal basis."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        ruleset, day = _explain_inputs(con, ruleset_path, as_of)
        found = subject_file(con, code, ruleset, day)
    finally:
        con.close()
    if as_json:
        print_json(found.to_dict())
    else:
        console.print(explanation_panel(found))


@handle_errors
def lists(
    list_name: Annotated[str, typer.Argument(help="black or red")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    output: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    include_expired: Annotated[
        bool, typer.Option("--all", help="Include expired listings.")
    ] = False,
) -> None:
    """Show the black or red list of the last scoring run (people's codes masked)."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        rows = read_list(con, list_name, include_expired=include_expired)
    finally:
        con.close()
    if output is Format.json:
        print_json(rows)
    elif output is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["list_name"])
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        columns = ("subject_code", "name", "state", "requirement_id", "published_on", "expires_on")
        table = Table(title=f"{list_name} list ({len(rows)} listings)")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        console.print(table)


@handle_errors
def export(
    what: Annotated[str, typer.Argument(help=" | ".join(EXPORTS))],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv or .parquet")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Export a table of the workspace to CSV or Parquet, with canonical field names."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        rows = export_table(con, what, out)
    finally:
        con.close()
    console.print(f"Wrote {rows:,} rows of {what} to {out}")


def register(app: typer.Typer) -> None:
    """Add score, explain, lists and export to the main app."""
    app.command()(score)
    app.command()(explain)
    app.command()(lists)
    app.command()(export)
