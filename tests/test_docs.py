"""Documentation that is tested: every command and every rule field appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from pydantic import BaseModel

from credence.cli.app import app
from credence.rules import spec

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    names = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        names.append(f"{prefix}{name.replace('_', '-')}")
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            names.extend(_commands(group.typer_instance, f"{prefix}{group.name} "))
    return names


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_cli_command_is_documented() -> None:
    commands = _commands(app)
    assert {"score", "explain", "lists", "export", "demo", "init", "ingest"} <= set(commands)
    for name in commands:
        assert f"`credence {name}" in README, f"credence {name} is missing from README.md"


def test_every_rule_field_is_documented() -> None:
    section = README.split("## The rule language")[1].split("\n## ")[0]
    models: list[type[BaseModel]] = [
        spec.Ruleset, spec.Rating, spec.Requirement, spec.When, spec.Compare, spec.Grade,
        spec.BlackList, spec.RedList, spec.Measure,
    ]  # fmt: skip
    for model in models:
        for name, field in model.model_fields.items():
            shown = field.alias or name
            assert re.search(rf"`{re.escape(shown)}`", section), (
                f"{model.__name__}.{shown} undocumented"
            )
