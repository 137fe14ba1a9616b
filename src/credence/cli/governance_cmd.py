"""``credence rules diff|evaluate|calibrate``: a ruleset's impact and evidence, before publishing.

Each command scores in a sandbox over the workspace's records, so the workspace's own results are
never touched; ``--format json`` gives the same report for machines.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from credence.cli.common import WorkspaceOption, console, handle_errors, open_workspace, print_json
from credence.governance.calibrate import Calibration, calibrate, write_calibrated
from credence.governance.diff import DiffReport, Summary, diff_rulesets
from credence.governance.evaluate import Evaluation, KindEvaluation, evaluate
from credence.governance.refs import open_sandbox


class Format(StrEnum):
    table = "table"
    json = "json"


AsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="Day to score on (default: the last run's day)."
    ),
]
Output = Annotated[Format, typer.Option("--format", help="table or json")]
RulesetRef = Annotated[
    str | None,
    typer.Option(
        "--ruleset",
        "-r",
        help="YAML path, NAME@VERSION, version or hash prefix (default: the packaged one).",
    ),
]
Outcomes = Annotated[
    Path, typer.Option("--outcomes", help="CSV or Parquet: subject_code, outcome (1 = bad).")
]


def _day(as_of: datetime | None) -> date | None:
    return as_of.date() if as_of else None


@handle_errors
def diff(
    old: Annotated[str, typer.Argument(help="The ruleset in force (path, version or hash).")],
    new: Annotated[str, typer.Argument(help="The proposed ruleset (path, version or hash).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: AsOf = None,
    output: Output = Format.table,
) -> None:
    """Who would change grade or list under NEW instead of OLD, per subject kind and district."""
    sandbox, (before, after), day = open_sandbox(open_workspace(workspace), [old, new], _day(as_of))
    with sandbox:
        report = diff_rulesets(sandbox, before, after, day)
    if output is Format.json:
        print_json(report.to_json())
    else:
        _render_diff(report)


@handle_errors
def evaluate_cmd(
    outcomes: Outcomes,
    ruleset_ref: RulesetRef = None,
    group_column: Annotated[
        str | None,
        typer.Option(
            "--group-column", help="Column of groups for fairness (default: group, else district)."
        ),
    ] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: AsOf = None,
    output: Output = Format.table,
) -> None:
    """How well scores separate later outcomes (AUC, Gini, KS), and adverse impact by group."""
    ws = open_workspace(workspace)
    sandbox, (ruleset,), day = open_sandbox(ws, [ruleset_ref], _day(as_of))
    with sandbox:
        found = evaluate(sandbox, ruleset, day, outcomes, group_column)
    if output is Format.json:
        print_json(found.to_json())
    else:
        _render_evaluation(found)


@handle_errors
def calibrate_cmd(
    outcomes: Outcomes,
    ruleset_ref: RulesetRef = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the proposed ruleset YAML.")
    ] = None,
    pdo: Annotated[float, typer.Option("--pdo", help="Points that double the odds.")] = 20.0,
    base_odds: Annotated[
        float, typer.Option("--base-odds", help="Good:bad odds the base points should mean.")
    ] = 50.0,
    version: Annotated[
        str | None, typer.Option("--version", help="New version (default <old>-cal.<day>).")
    ] = None,
    min_subjects: Annotated[
        int, typer.Option("--min-subjects", help="Fewer subjects with a line: points kept.")
    ] = 20,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    as_of: AsOf = None,
    output: Output = Format.table,
) -> None:
    """Propose points per requirement from outcomes; write them as a new ruleset version."""
    ws = open_workspace(workspace)
    sandbox, (ruleset,), day = open_sandbox(ws, [ruleset_ref], _day(as_of))
    with sandbox:
        result = calibrate(sandbox, ruleset, day, outcomes, pdo, base_odds, min_subjects, version)
    path = write_calibrated(result, out or Path(f"{ruleset.ruleset}-{result.new_version}.yaml"))
    if output is Format.json:
        print_json({**result.to_json(), "out": str(path)})
    else:
        _render_calibration(result, path, ruleset_ref or "the default ruleset")


def register_rules(rules_app: typer.Typer) -> None:
    """Add ``rules diff``, ``rules evaluate`` and ``rules calibrate``."""
    rules_app.command("diff")(diff)
    rules_app.command("evaluate")(evaluate_cmd)
    rules_app.command("calibrate")(calibrate_cmd)


# ---------------------------------------------------------------- rendering


def _name(identity: dict[str, str]) -> str:
    return f"{identity['ruleset']}@{identity['version']} ({identity['hash'][:12]})"


def _render_diff(report: DiffReport) -> None:
    console.print(f"[bold]{_name(report.old)}[/] → [bold]{_name(report.new)}[/] on {report.as_of}")
    if report.unchanged:
        console.print(Text("No subject changes grade or list.", style="bold green"))
    for kind in report.kinds:
        total = kind.total
        console.print(
            f"\n[bold]{kind.subject_kind}[/]: {total.subjects:,} subjects, "
            f"{total.changed_grade:,} change grade"
        )
        console.print(_matrix(total, kind.subject_kind))
        console.print(_distribution(total))
        districts = Table(title=f"{kind.subject_kind} by district")
        for column in ("district", "subjects", "change grade", "black +/−", "red +/−", "mean"):
            districts.add_column(column, justify="left" if column == "district" else "right")
        for district, s in kind.districts.items():
            districts.add_row(
                district, f"{s.subjects:,}", f"{s.changed_grade:,}",
                _moves(s, "black"), _moves(s, "red"), _means(s),
            )  # fmt: skip
        console.print(districts)


def _matrix(s: Summary, kind: str) -> Table:
    table = Table(title=f"{kind}: old grade (rows) × new grade (columns)")
    table.add_column("old \\ new")
    for grade in s.grades:
        table.add_column(grade, justify="right")
    for i, grade in enumerate(s.grades):
        cells = [
            Text(f"{n:,}", style="bold yellow" if n and i != j else "") if n else Text("·")
            for j, n in enumerate(s.matrix[i])
        ]
        table.add_row(grade, *cells)
    return table


def _distribution(s: Summary) -> Table:
    table = Table(title="distribution and lists")
    for column in ("", "old", "new", "change"):
        table.add_column(column, justify="right")
    for count in s.distribution:
        table.add_row(
            count.grade, f"{count.old:,}", f"{count.new:,}", f"{count.new - count.old:+,}"
        )
    table.add_row("mean score", *_means(s).split(" → "), "")
    for name, shift in s.lists.items():
        table.add_row(
            f"{name} list", f"{shift.old:,}", f"{shift.new:,}", _moves(s, name)
        )  # fmt: skip
    return table


def _moves(s: Summary, name: str) -> str:
    shift = s.lists[name]
    return f"+{shift.entered:,} / −{shift.left:,}"


def _means(s: Summary) -> str:
    def fmt(x: float | None) -> str:
        return f"{x:.1f}" if x is not None else "–"

    return f"{fmt(s.mean_score_old)} → {fmt(s.mean_score_new)}"


def _render_evaluation(found: Evaluation) -> None:
    console.print(
        f"[bold]{_name(found.run)}[/] on {found.run['as_of']} against {found.file}: "
        f"{found.rows:,} rows ({found.bad:,} bad), {found.scored:,} scored, "
        f"{found.not_in_workspace:,} not in the workspace, {found.not_scored:,} not scored "
        f"(no consent); groups from {found.group_source}"
    )
    for kind in found.kinds:
        sep = kind.separation

        def num(x: float | None) -> str:
            return f"{x:.3f}" if x is not None else "n/a (one outcome only)"

        console.print(
            f"\n[bold]{kind.subject_kind}[/]: {sep.subjects:,} scored, bad rate "
            f"{f'{sep.bad_rate:.1%}' if sep.bad_rate is not None else '–'} · AUC {num(sep.auc)} · "
            f"Gini {num(sep.gini)} · KS {num(sep.ks)}"
        )
        grades = Table(title="bad rate per grade")
        for column in ("grade", "subjects", "bad", "bad rate"):
            grades.add_column(column, justify="right")
        for g in kind.grades:
            rate = f"{g.bad_rate:.1%}" if g.bad_rate is not None else "–"
            grades.add_row(g.grade, f"{g.subjects:,}", f"{g.bad:,}", rate)
        console.print(grades)
        console.print(_fairness(kind, found.threshold))


def _fairness(kind: KindEvaluation, threshold: float) -> Table:
    table = Table(title=f"adverse impact (favourable rate ÷ best group; flagged below {threshold})")
    for column in ("group", "subjects", "bad rate", "black", "red", "not black", "top half"):
        table.add_column(column, justify="left" if column == "group" else "right")

    def pct(x: float | None) -> str:
        return f"{x:.1%}" if x is not None else "–"

    for g in kind.groups:
        cells = []
        for name in ("not_black_listed", "top_half_grade"):
            ratio = g.ratios[name]
            low = ratio is not None and ratio < threshold
            label = f"{pct(g.rates[name])} ×{ratio:.2f}" if ratio is not None else "–"
            cells.append(Text(("⚠ " if low else "") + label, style="bold red" if low else ""))
        table.add_row(
            g.group, f"{g.subjects:,}", pct(g.bad_rate), pct(g.black_share), pct(g.red_share),
            *cells,
        )  # fmt: skip
    for flag in kind.flagged:
        table.caption = (table.caption + "\n" if table.caption else "") + f"⚠ adverse impact {flag}"
    table.caption_style = "bold red"
    return table


def _render_calibration(result: Calibration, path: Path, old_ref: str) -> None:
    table = Table(title=f"proposed points ({result.fitted_subjects:,} scored subjects fitted)")
    for column in ("requirement", "subjects", "β", "old", "model", "new", "note"):
        left = column in ("requirement", "note")
        table.add_column(column, justify="left" if left else "right", overflow="fold")
    for p in result.requirements:
        changed = p.points != p.old_points
        table.add_row(
            p.requirement_id, f"{p.subjects_with_line:,}",
            f"{p.coefficient:+.3f}" if p.coefficient is not None else "–", f"{p.old_points:+d}",
            f"{p.model_points:+d}" if p.model_points is not None else "–",
            Text(f"{p.points:+d}", style="bold" if changed else ""), p.note,
        )  # fmt: skip
    console.print(table)

    def auc(x: float | None) -> str:
        return f"{x:.3f}" if x is not None else "n/a"

    bases = ", ".join(f"{k} {v}" for k, v in result.base_points_for_odds.items())
    console.print(
        f"Model AUC {auc(result.auc_model)}; old points {auc(result.auc_old_points)}, "
        f"new points {auc(result.auc_new_points)}. Rows of the file not in the workspace: "
        f"{result.not_in_workspace:,}; not scored: {result.not_scored:,}. Base points for odds "
        f"{result.base_odds:g}:1 would be {bases} (kept at {result.base_points})."
    )
    console.print(
        f"Wrote {result.old['ruleset']}@{result.new_version} to {path}; review its impact with "
        f"`credence rules diff` of {old_ref} and {path} before publishing it."
    )
