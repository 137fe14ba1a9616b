"""``credence synth``: write the synthetic city of Lancheng, ready to ingest."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from credence.cli.common import console, handle_errors, print_json
from credence.synth import CityManifest, generate_city


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to the main app."""
    app.command("synth")(synth)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-06-30") from error


@handle_errors
def synth(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder to write the city into.", show_default=False)
    ],
    people: Annotated[int, typer.Option("--people", "-p", min=1, help="Residents.")] = 20000,
    organizations: Annotated[
        int, typer.Option("--organizations", "-o", min=1, help="Firms.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Same seed, same files.")] = 7,
    end_date: Annotated[
        str | None,
        typer.Option(
            "--end-date",
            help="Last day of the ten years of records (default today).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
    ] = OutputFormat.table,
) -> None:
    """Generate local databases (CSV, JSON Lines, Parquet) with their source mappings."""
    end = _parse_day(end_date) if end_date else datetime.now().date()
    manifest = generate_city(out_dir, people, organizations, seed, end)
    if output is OutputFormat.json:
        print_json(manifest.to_dict())
    else:
        _render(manifest)


def _render(manifest: CityManifest) -> None:
    table = Table(
        title=f"{manifest.city}: {manifest.people:,} people, "
        f"{manifest.organizations:,} organizations, records to {manifest.end_date}",
        box=None,
        pad_edge=False,
    )
    table.add_column("source", no_wrap=True)
    for column in ("level", "stream", "format"):
        table.add_column(column, no_wrap=True)
    for column in ("rows", "bad"):
        table.add_column(column, justify="right", no_wrap=True)
    for entry in manifest.sources:
        table.add_row(
            entry.source,
            entry.level,
            entry.stream,
            entry.format,
            f"{entry.rows:,}",
            f"{entry.bad_total:,}",
        )
    bad = sum(manifest.bad_rows().values())
    table.add_row("total", "", "", "", f"{manifest.total_rows:,}", f"{bad:,}", style="bold")
    console.print(table)
    to_resolve = sum(e.to_resolve for e in manifest.sources)
    console.print(
        f"{bad:,} rows are bad on purpose (see manifest.json), {to_resolve:,} carry no code and "
        f"wait for resolution.\nWrote {len(manifest.sources)} sources with their mappings, "
        f"manifest.json and truth/ to {manifest.root} (seed {manifest.seed})."
    )
