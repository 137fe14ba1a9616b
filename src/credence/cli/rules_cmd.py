"""``credence rules``: check a ruleset before anyone is scored under it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from credence.cli.common import console, err_console, handle_errors, print_json
from credence.errors import Problem
from credence.rules.loader import RulesetReport, inspect_ruleset, ruleset_hash

rules_app = typer.Typer(
    name="rules",
    help="Rulesets: check them against the rule language and the safeguards.",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the ``rules`` group to the main app."""
    app.add_typer(rules_app, name="rules")


@rules_app.command("validate")
@handle_errors
def validate(
    path: Annotated[Path, typer.Argument(help="Ruleset YAML file.", show_default=False)],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
    ] = OutputFormat.table,
) -> None:
    """List every error and warning of a ruleset; exit 1 on any error, 2 when unreadable."""
    if not path.is_file():
        what = "is a folder, not a ruleset file" if path.is_dir() else "does not exist"
        err_console.print(Text(f"{path} {what}", style="red"), soft_wrap=True)
        raise typer.Exit(2)
    report = inspect_ruleset(path)
    if output is OutputFormat.json:
        print_json(report_json(report))
    else:
        _render(report)
    if report.errors:
        raise typer.Exit(1)


def report_json(report: RulesetReport) -> dict[str, Any]:
    """The machine twin of the table: verdict, identity, and every problem."""
    ruleset = report.ruleset

    def rows(problems: list[Problem]) -> list[dict[str, str]]:
        return [{"where": p.where, "message": p.message} for p in problems]

    return {
        "file": report.where,
        "valid": report.ok,
        "ruleset": ruleset.ruleset if ruleset else None,
        "version": ruleset.version if ruleset else None,
        "hash": ruleset_hash(ruleset) if ruleset else None,
        "errors": rows(report.errors),
        "warnings": rows(report.warnings),
    }


def _render(report: RulesetReport) -> None:
    if report.errors or report.warnings:
        table = Table(show_lines=False, expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("where", overflow="fold")
        table.add_column("problem", overflow="fold")
        for style, label, problems in (
            ("red", "error", report.errors),
            ("yellow", "warning", report.warnings),
        ):
            for problem in problems:
                table.add_row(
                    Text(label, style=style),
                    Text(problem.where, style=style),
                    Text(problem.message, style=style),
                )
        console.print(table)
    console.print(_verdict(report), soft_wrap=True)


def _verdict(report: RulesetReport) -> Text:
    ruleset = report.ruleset
    name = f"{ruleset.ruleset} {ruleset.version}" if ruleset else report.where
    counts = f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}"
    if report.errors:
        return Text(f"✗ {name} is not valid: {counts}", style="bold red")
    digest = ruleset_hash(ruleset)[:12] if ruleset else ""
    return Text(f"✓ {name} is valid: {counts} (sha256 {digest})", style="bold green")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
