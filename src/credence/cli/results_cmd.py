"""Commands that read what scoring wrote: explain, lists, export."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from credence.cells import csv_text
from credence.cli.common import (
    WorkspaceOption,
    console,
    handle_errors,
    open_workspace,
    print_json,
)
from credence.cli.render import explanation_panel
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.exports import EXPORTS, export_table
from credence.runs.lists import read_list
from credence.runs.subject_file import subject_file
from credence.store.rulesets import resolve_ruleset, stored_ruleset


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _ruleset_ref(con: Any, ref: str | None) -> Ruleset:
    """A ruleset by path, published version or hash; the packaged default when none is given."""
    return resolve_ruleset(con, ref) if ref else load_ruleset(default_ruleset_path())


def _explain_inputs(
    con: Any, ruleset_ref: str | None, as_of: datetime | None
) -> tuple[Ruleset, date]:
    run = results.current(con)
    if ruleset_ref is not None:
        ruleset = _ruleset_ref(con, ruleset_ref)
    elif run is not None:
        ruleset = stored_ruleset(con, run.ruleset_hash)
    else:
        ruleset = _ruleset_ref(con, None)
    if as_of is not None:
        day = as_of.date()
    elif run is not None:
        day = run.as_of
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
    ruleset_ref: Annotated[
        str | None,
        typer.Option(
            "--ruleset",
            "-r",
            help="Ruleset: YAML path, NAME@VERSION, version or hash (default: the last run's).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Explain one subject: total, grade, lists, measures and every line with its legal basis."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        ruleset, day = _explain_inputs(con, ruleset_ref, as_of)
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
        fields = list(rows[0]) if rows else ["list_name"]
        typer.echo(csv_text(rows, fields), nl=False)
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
    """Add explain, lists and export to the main app."""
    app.command()(explain)
    app.command()(lists)
    app.command()(export)
