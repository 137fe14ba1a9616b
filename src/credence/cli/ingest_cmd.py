"""Commands to create a workspace and bring source files in: init, ingest, sources, quarantine."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credence.cli.common import (
    WorkspaceOption,
    console,
    err_console,
    handle_errors,
    open_workspace,
    print_json,
)
from credence.ingest import (
    IngestReport,
    expand_paths,
    find_mapping,
    ingest_files,
    list_quarantine,
    list_sources,
    quarantine_counts,
)
from credence.runs.incremental import rescore_batches
from credence.store import Workspace
from credence.store.workspace import CATALOG_FILE, RECORDS_DIR


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
]


@handle_errors
def init(directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")]) -> None:
    """Create a workspace: a folder with a DuckDB catalog and a records/ folder."""
    existed = (directory / CATALOG_FILE).is_file()
    ws = Workspace.init(directory)
    if existed:
        console.print(f"{ws.root} is already a Credence workspace; nothing changed.")
        return
    console.print(f"Created workspace [bold]{ws.root}[/bold]:")
    console.print(f"  {ws.catalog_path}  catalog (sources, batches, quarantine, scores, …)")
    console.print(f"  {ws.root / RECORDS_DIR}/  append-only Parquet batches of records")


class IngestEngine(StrEnum):
    """Where an ingest runs."""

    duckdb = "duckdb"
    spark = "spark"


@handle_errors
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="CSV, JSON Lines (.jsonl/.ndjson) or Parquet files, folders (their files of "
            "those formats) or quoted glob patterns: all of them one batch.",
            show_default=False,
        ),
    ],
    source: Annotated[str, typer.Option("--source", "-s", help="Source id of the mapping.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            "-m",
            help="Mapping YAML (default: <source>.yaml beside the first file, else the "
            "registered one).",
        ),
    ] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    output: FormatOption = OutputFormat.table,
    rescore: Annotated[
        bool,
        typer.Option(
            "--rescore",
            help="Then bring the last scoring run up to date: rescore only the subjects the new "
            "records name (the same result as a full rescore), on that run's ruleset and day.",
        ),
    ] = False,
    engine: Annotated[
        IngestEngine,
        typer.Option(
            "--engine",
            help="duckdb (embedded) or spark: the same checks, records, quarantine and batch, "
            "each file read by one Spark task.",
        ),
    ] = IngestEngine.duckdb,
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master URL for --engine spark.")
    ] = "local[*]",
) -> None:
    """Load files of a source as one batch; bad rows go to quarantine, a re-run adds nothing."""
    ws = open_workspace(workspace)
    files = expand_paths(paths)
    source_mapping = find_mapping(ws, source, files[0], mapping)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(_reading(files, 0), total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        def reading(index: int, path: Path) -> None:
            bar.update(task, description=_reading(files, index))

        if engine == IngestEngine.spark:
            from credence.ingest.on_spark import ingest_files_on_spark

            bar.update(task, description=f"ingest on Spark ({len(files)} file(s)): tasks")
            report = ingest_files_on_spark(ws, files, source_mapping, spark_master, advance)
        else:
            report = ingest_files(ws, files, source_mapping, progress=advance, on_file=reading)
    run, touched = (None, 0)
    if rescore and report.loaded:
        run, touched = rescore_batches(ws, [report.batch_id])
    if output == OutputFormat.json:
        print_json(
            {**report.to_dict(), "rescored_subjects": touched,
             "rescored_run": None if run is None else run.run_id}
        )  # fmt: skip
        return
    _print_report(report)
    if run is not None:
        console.print(
            f"rescored {touched:,} subject(s) in {run.seconds:.2f} s: run {run.run_id} "
            f"({run.ruleset} {run.version}, as of {run.as_of.isoformat()})"
        )
    elif rescore and report.loaded:
        console.print("nothing to rescore yet: run `credence score` first")


def _reading(files: list[Path], index: int) -> str:
    """The progress bar's description: the file being read (and which of how many)."""
    shown = f"ingest {files[index].name}"
    return shown if len(files) == 1 else f"{shown} ({index + 1}/{len(files)})"


def _print_report(report: IngestReport) -> None:
    if report.already_ingested:
        console.print(
            f"{report.file} is already ingested for {report.source} "
            f"(batch {report.batch_id}); nothing added."
        )
        return
    table = Table(title=f"{report.source} ← {report.file}", show_header=False)
    table.add_column("what")
    table.add_column("rows", justify="right")
    table.add_row("rows in", f"{report.rows_in:,}")
    table.add_row("loaded", f"{report.loaded:,}")
    table.add_row("duplicates", f"{report.duplicates:,}")
    table.add_row("quarantined", f"{report.quarantined:,}")
    for reason, count in report.quarantined_by_reason.items():
        table.add_row(f"  {reason}", f"{count:,}")
    console.print(table)
    if len(report.files) > 1:
        _print_files(report)
    console.print(f"batch {report.batch_id} in {report.seconds:.1f} s")
    if report.quarantined:
        console.print(f"See why with: credence quarantine --source {report.source}")


def _print_files(report: IngestReport) -> None:
    """The batch's files in batch order, with the rows each numbered and where they begin."""
    table = Table(title=f"{len(report.files)} files, one batch")
    table.add_column("file", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("first row", justify="right")
    for part in report.files:
        rows = "?" if part.rows is None else f"{part.rows:,}"
        first = "?" if part.first_row is None else f"{part.first_row:,}"
        table.add_row(part.file, rows, first)
    console.print(table)


@handle_errors
def sources(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    output: FormatOption = OutputFormat.table,
) -> None:
    """Registered sources with their batch and row counts."""
    ws = open_workspace(workspace)
    con = ws.connect(read_only=True)
    try:
        found = list_sources(con)
    finally:
        con.close()
    if output == OutputFormat.json:
        print_json([s.to_dict() for s in found])
        return
    if not found:
        console.print(f"No sources registered in {ws.root} yet: run `credence ingest`.")
        return
    table = Table(title=f"sources in {ws.root}")
    table.add_column("source", no_wrap=True)
    table.add_column("level")
    table.add_column("category")
    table.add_column("consent")
    for name in ("batches", "records", "quar.", "dups"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in found:
        table.add_row(
            s.source,
            s.level,
            s.category,
            "required" if s.consent_required else "-",
            f"{s.batches:,}",
            f"{s.records:,}",
            f"{s.quarantined:,}",
            f"{s.duplicates:,}",
        )
    console.print(table)


@handle_errors
def quarantine(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Rows to show.")] = 50,
    output: FormatOption = OutputFormat.table,
) -> None:
    """What was quarantined, and why: counts by reason, then the rows themselves."""
    ws = open_workspace(workspace)
    con = ws.connect(read_only=True)
    try:
        counts = quarantine_counts(con, source)
        rows = list_quarantine(con, source, limit)
    finally:
        con.close()
    if output == OutputFormat.json:
        print_json(
            {
                "counts": [{"source": s, "reason": r, "rows": n} for s, r, n in counts],
                "rows": [row.to_dict() for row in rows],
            }
        )
        return
    if not counts:
        console.print("Nothing quarantined" + (f" for {source}." if source else "."))
        return
    summary = Table(title="quarantined rows by reason")
    summary.add_column("source")
    summary.add_column("reason")
    summary.add_column("rows", justify="right")
    for src, reason, n in counts:
        summary.add_row(src, reason, f"{n:,}")
    console.print(summary)
    detail = Table(title=f"first {len(rows)} rows")
    detail.add_column("file:row", overflow="fold")
    detail.add_column("reason", no_wrap=True)
    detail.add_column("field", no_wrap=True)
    detail.add_column("detail", overflow="fold")
    for row in rows:
        detail.add_row(f"{row.file}:{row.row_number}", row.reason, row.field, row.detail)
    console.print(detail)


def register(app: typer.Typer) -> None:
    """Add init, ingest, sources and quarantine to the main app."""
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("sources")(sources)
    app.command("quarantine")(quarantine)
