"""``credence score``, ``credence runs`` and ``credence rules publish|versions``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credence.cli.common import WorkspaceOption, console, handle_errors, open_workspace, print_json
from credence.cli.render import grade_table, lists_table
from credence.identifiers import guess_kind
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.incremental import rescore_subjects
from credence.runs.reports import grade_distribution, list_counts
from credence.runs.score import ScoreRun, discard_run, reproduce_run, score_workspace
from credence.store import Workspace
from credence.store.rulesets import list_published, publish_ruleset, resolve_ruleset


class Format(StrEnum):
    table = "table"
    json = "json"


RulesetRef = Annotated[
    str | None,
    typer.Option(
        "--ruleset",
        "-r",
        help="YAML path, NAME@VERSION, published version or hash prefix "
        "(default: the packaged default ruleset).",
    ),
]


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]scoring[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    )


def _run(
    ws: Workspace,
    ruleset: Ruleset,
    day: date,
    known_at: datetime | None,
    quiet: bool,
    engine: str = "duckdb",
    spark_master: str = "local[*]",
    store: str | None = None,
    driver_memory: str = "4g",
) -> ScoreRun:
    with _progress(quiet) as bar:
        task = bar.add_task("", total=1)

        def step(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total)

        return score_workspace(
            ws, ruleset, day, progress=step, known_at=known_at, engine=engine,
            spark_master=spark_master, store=store, spark_driver_memory=driver_memory,
        )  # fmt: skip


def _summary(ws: Workspace, run: ScoreRun, output: Format) -> None:
    con = ws.connect()
    try:
        ruleset = resolve_ruleset(con, run.ruleset_hash)
        kept = results.of_run(con, run.run_id)
        grades = grade_distribution(con, ruleset, kept)
        counts = list_counts(con, kept)
    finally:
        con.close()
    if output is Format.json:
        print_json(
            {
                "run_id": run.run_id, "as_of": run.as_of.isoformat(), "ruleset": run.ruleset,
                "version": run.version, "ruleset_hash": run.ruleset_hash,
                "subjects": run.subjects, "scored": run.scored, "lines": run.lines,
                "seconds": round(run.seconds, 3), "results_digest": run.results_digest,
                "grades": {k: dict(v) for k, v in grades.items()},
                "lists": [
                    {"list": a, "subject_kind": b, "state": c, "subjects": n}
                    for a, b, c, n in counts
                ],
            }
        )  # fmt: skip
        return
    console.print(
        f"Run {run.run_id}: scored [bold]{run.subjects:,}[/] subjects ({run.scored:,} with a "
        f"score, {run.subjects - run.scored:,} people without scoring consent) on {run.as_of} "
        f"under {run.ruleset} {run.version}: {run.lines:,} score lines in {run.seconds:.1f} s."
    )
    console.print(grade_table(grades))
    console.print(lists_table(counts))


@handle_errors
def score(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Day to score on (default: today)."),
    ] = None,
    ruleset_ref: RulesetRef = None,
    known_at: Annotated[
        datetime | None,
        typer.Option(
            "--known-at",
            formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
            help="Only records committed by then (UTC): the workspace as it was known.",
        ),
    ] = None,
    reproduce: Annotated[
        str | None,
        typer.Option("--reproduce", help="Rescore exactly as run RUN_ID did and compare."),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (embedded) or spark (the same plan on Spark).")
    ] = "duckdb",
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master URL for --engine spark.")
    ] = "local[*]",
    driver_memory: Annotated[
        str, typer.Option("--spark-driver-memory", help="Memory of the Spark driver (512m, 4g).")
    ] = "4g",
    store: Annotated[
        str | None,
        typer.Option(
            "--results",
            help="Where the run's results are kept: catalog or parquet (datasets beside the "
            "catalog, read the same way). Default: catalog on duckdb, parquet on spark (written "
            "by the executors).",
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--subject",
            help="Rescore only this subject (repeatable), on top of the last run of the same "
            "ruleset and day; a full rescore otherwise.",
        ),
    ] = None,
) -> None:
    """Score every subject on a day under a ruleset; write scores, lines, lists and measures."""
    ws = open_workspace(workspace)
    if reproduce:
        original, run = reproduce_run(ws, reproduce, engine, keep=True, spark_master=spark_master)
        same = original["results_digest"] == run.results_digest
        try:
            _summary(ws, run, output)
        finally:
            discard_run(ws, run.run_id)
        verdict = "identical to" if same else "DIFFERENT from"
        console.print(f"Results {verdict} run {reproduce} (digest {run.results_digest}).")
        if not same:
            raise typer.Exit(1)
        return
    con = ws.connect()
    try:
        ruleset = resolve_ruleset(con, ruleset_ref) if ruleset_ref else None
    finally:
        con.close()
    chosen = ruleset or load_ruleset(default_ruleset_path())
    stamp = known_at.replace(tzinfo=UTC) if known_at and known_at.tzinfo is None else known_at
    day = as_of.date() if as_of else date.today()
    if only:
        subjects = [(guess_kind(code) or "organization", code) for code in only]
        run = rescore_subjects(ws, chosen, day, subjects)
    else:
        run = _run(ws, chosen, day, stamp, output is Format.json, engine, spark_master, store,
                   driver_memory)  # fmt: skip
    _summary(ws, run, output)


@handle_errors
def runs(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    output: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """Past scoring runs: day, ruleset version, what was known, a digest of the results, and
    which run readers see (current) and whose results are still kept."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        fields = ("run_id", "as_of", "ruleset", "version", "ruleset_hash", "engine",
                  "known_at", "subjects", "lines", "results_digest", "published",
                  "reproduces")  # fmt: skip
        rows: list[dict[str, Any]] = [
            {**{f: row.get(f) for f in fields}, "current": bool(row.get("current")),
             "kept": row.get("storage") is not None}
            for row in results.runs(con)
        ]  # fmt: skip
    finally:
        con.close()
    if output is Format.json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} scoring runs")
    for column in ("run", "as of", "ruleset", "known at", "subjects", "lines", "state"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["run_id"], str(row["as_of"]), f"{row['ruleset']}@{row['version']}",
            f"{row['known_at']:%Y-%m-%d %H:%M:%S}", f"{row['subjects']:,}", f"{row['lines']:,}",
            _state(row),
        )  # fmt: skip
    console.print(table)


def _state(row: dict[str, Any]) -> str:
    if row["current"]:
        return "current"
    if row["reproduces"]:
        return f"reproduced {row['reproduces']}"
    if row["published"] is False:
        return "unpublished"
    return "kept" if row["kept"] else "replaced"


@handle_errors
def publish(
    path: Annotated[Path, typer.Argument(help="Ruleset YAML to publish.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Validate a ruleset and store it as an immutable published version."""
    published = publish_ruleset(open_workspace(workspace), path)
    state = "was already published" if published.already else "published"
    console.print(
        f"{published.name}@{published.version} {state} (sha256 {published.hash[:12]}, "
        f"{published.published_at:%Y-%m-%d %H:%M:%S} UTC)"
    )


@handle_errors
def versions(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    output: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
) -> None:
    """Published ruleset versions of the workspace."""
    ws = open_workspace(workspace)
    con = ws.connect()
    try:
        published = list_published(con)
    finally:
        con.close()
    if output is Format.json:
        print_json([p.__dict__ for p in published])
        return
    table = Table(title="published rulesets")
    for column in ("ruleset", "version", "sha256", "published"):
        table.add_column(column)
    for p in published:
        table.add_row(p.name, p.version, p.hash[:12], f"{p.published_at:%Y-%m-%d %H:%M:%S}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``score`` and ``runs`` to the main app."""
    app.command()(score)
    app.command()(runs)


def register_rules(rules_app: typer.Typer) -> None:
    """Add ``rules publish`` and ``rules versions``."""
    rules_app.command()(publish)
    rules_app.command()(versions)
