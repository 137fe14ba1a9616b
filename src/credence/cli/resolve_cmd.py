"""``credence resolve``, ``review`` and ``link``: entity resolution from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from credence.cli.common import WorkspaceOption, console, handle_errors, open_workspace, print_json
from credence.identifiers import shown_code
from credence.resolve.config import load_config
from credence.resolve.files import LinkReport, link_files
from credence.resolve.pipeline import ResolveReport, load_configs, resolve_workspace
from credence.resolve.review import ReviewPair, accept, pending_pairs, reject

# What a row says and what the registry says, shown side by side (row hint → registry column).
SHOWN = ("name", "former_names", "birth_date", "address", "legacy_id", "district")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
]
RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry", show_default=False,
        help="Load (replace) the subject registry from this CSV or Parquet file first.",
    ),
]  # fmt: skip
ConfigsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config", "-c", show_default=False,
        help="A source's resolve YAML, or a folder of *.resolve.yaml; kept for later runs.",
    ),
]  # fmt: skip
AcceptOption = Annotated[
    str | None,
    typer.Option("--accept", show_default=False, help="Accept a pair: link the row to it."),
]
RejectOption = Annotated[
    str | None,
    typer.Option(
        "--reject", show_default=False,
        help="Reject a pair: never link the row to the subject (a link between them is undone).",
    ),
]  # fmt: skip
EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="Where Splink runs: duckdb (embedded) or spark. Spark runs the same blocking, "
        "comparisons and EM training (when no model is stored for the config) and scores the "
        "pairs; it stores and reuses the same models as DuckDB and gives the same links and "
        "review pairs (where training samples pairs, on large sources, each engine draws its "
        "own sample: reuse a stored model for identical links). Normalising, deciding and "
        "writing links run here either way.",
    ),
]
SparkMasterOption = Annotated[
    str, typer.Option("--spark-master", help="Spark master URL for --engine spark.")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", show_default=False, help="Why (kept with the decision).")
]


def register(app: typer.Typer) -> None:
    """Add ``resolve``, ``review`` and ``link`` to the main app."""
    app.command("resolve")(resolve)
    app.command("review")(review)
    app.command("link")(link)


def _render_resolve(report: ResolveReport, workspace: Path) -> None:
    table = Table(title=f"resolution against a registry of {report.registry:,} subjects", box=None)
    table.add_column("source", no_wrap=True)
    for column in ("rows", "linked", "review", "unresolved"):
        table.add_column(column, justify="right", no_wrap=True)
    for s in report.sources:
        table.add_row(s.source, f"{s.rows:,}", f"{s.linked:,}", f"{s.review:,}",
                      f"{s.unresolved:,}")  # fmt: skip
    console.print(table)
    for s in report.sources:
        if s.model_id:
            how = "stored model" if not s.trained else (
                f"trained by EM on {', '.join(s.em_rules)}" if s.em_rules else
                "trained (too few rows for EM: prior m)")  # fmt: skip
            console.print(f"  {s.source}: model {s.model_id}, {how}", style="dim")
    console.print(
        f"{report.duplicates:,} copies of records held at two levels voided (counted once); "
        f"{report.seconds:.1f} s on {report.engine}."
    )
    if any(s.review for s in report.sources):
        console.print(f"Pairs wait for a person: credence review -w {workspace}")


@handle_errors
def resolve(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    registry: RegistryOption = None,
    config: ConfigsOption = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Train again instead of reusing stored models.")
    ] = False,
    output: FormatOption = OutputFormat.table,
    engine: EngineOption = Engine.duckdb,
    spark_master: SparkMasterOption = "local[*]",
) -> None:
    """Link rows without a valid code to subjects of the registry (or queue them for review)."""
    ws = open_workspace(workspace)
    configs = load_configs(config or [])
    if output is OutputFormat.json:
        found = resolve_workspace(ws, configs, registry, retrain, engine=engine.value,
                                  spark_master=spark_master)  # fmt: skip
        print_json(found.to_dict())
        return
    with console.status("resolving") as status:
        report = resolve_workspace(ws, configs, registry, retrain, progress=status.update,
                                   engine=engine.value, spark_master=spark_master)  # fmt: skip
    _render_resolve(report, ws.root)


def _value(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return str(value)


def _shown_code(pair: ReviewPair) -> str:
    return shown_code(pair.subject_kind, pair.subject_code)


def _render_pairs(pairs: list[ReviewPair]) -> None:
    by_record: dict[str, list[ReviewPair]] = {}
    for pair in pairs:
        by_record.setdefault(pair.record_id, []).append(pair)
    for record_id, candidates in by_record.items():
        row = candidates[0].record
        table = Table(
            title=f"record {record_id[:12]} · {candidates[0].source} row "
            f"{row.get('row_number', '?')} · {row.get('kind', '')} on {row.get('occurred_at', '')}"
        )
        table.add_column("", no_wrap=True)
        table.add_column("the row says", overflow="fold")
        for pair in candidates:
            table.add_column(f"pair {pair.pair_id}\np = {pair.probability:.3f}", overflow="fold")
        table.add_row("code", "—", *(_shown_code(p) for p in candidates))
        for name in SHOWN:
            table.add_row(name, _value(row.get(name)),
                          *(_value(p.subject.get(name)) for p in candidates))  # fmt: skip
        console.print(table)
    console.print(
        f"{len(by_record)} row(s), {len(pairs)} pair(s) pending. Decide with "
        "credence review --accept PAIR or --reject PAIR."
    )


@handle_errors
def review(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    accept_id: AcceptOption = None,
    reject_id: RejectOption = None,
    list_: Annotated[bool, typer.Option("--list", help="List the pending pairs.")] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source's pairs.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Pairs to list at most.")] = 30,
    by: Annotated[str, typer.Option("--by", help="Who decides (kept with it).")] = "reviewer",
    reason: ReasonOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Show pairs resolution would not decide alone, side by side; accept or reject them."""
    if accept_id and reject_id:
        raise typer.BadParameter("give --accept or --reject, not both")
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        decided = None
        if accept_id:
            decided = accept(con, accept_id, by, reason)
        elif reject_id:
            decided = reject(con, reject_id, by, reason)
        if decided is not None:
            ws.refresh_records_view(con)
            if output is OutputFormat.json:
                print_json({**decided.to_dict(), "subject_code": _shown_code(decided)})
            else:
                console.print(f"pair {decided.pair_id} {decided.status}: record "
                              f"{decided.record_id[:12]} and {_shown_code(decided)}")  # fmt: skip
            if not list_:
                return
        pairs = pending_pairs(con, source, limit)
    finally:
        con.close()
    if output is OutputFormat.json:
        print_json([{**p.to_dict(), "subject_code": _shown_code(p)} for p in pairs])
    elif pairs:
        _render_pairs(pairs)
    else:
        console.print("No pairs wait for review.")


def _render_link(report: LinkReport) -> None:
    console.print(
        f"{report.left_rows:,} left rows, {report.right_rows:,} right rows, "
        f"{report.pairs_scored:,} pairs scored: {report.linked:,} linked, {report.review:,} "
        f"for review, {report.unresolved:,} without a match. Wrote {report.out}."
    )


@handle_errors
def link(
    left: Annotated[Path, typer.Argument(help="Left file (CSV or Parquet).", show_default=False)],
    right: Annotated[
        Path, typer.Argument(help="Right file (CSV or Parquet).", show_default=False)
    ],
    config: Annotated[
        Path,
        typer.Option("--config", "-c", show_default=False,
                     help="YAML: id columns, fields to compare, blocking."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", show_default=False, help="Linked pairs (CSV, Parquet).")
    ],
    review_out: Annotated[
        Path | None,
        typer.Option("--review-out", show_default=False, help="Also write pairs left for review."),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Link any two files: one row per linked pair (left_id, right_id, probability)."""
    report = link_files(left, right, load_config(config), out, review_out)
    if output is OutputFormat.json:
        print_json(report.to_dict())
    else:
        _render_link(report)
