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


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
_OUTSIDE = re.compile(r"DESIGN\.md|STYLE\.md|\.\./shared")
_PATH = re.compile(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|yaml|toml|md))`")


def _project_texts() -> list[Path]:
    found = [ROOT / "README.md", *DOCS.glob("*.md")]
    for folder in ("src", "tests", "bench"):
        found += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".yaml", ".md")]
    return found


def test_nothing_points_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    offenders = [
        str(p.relative_to(ROOT))
        for p in _project_texts()
        if p.resolve() != here and _OUTSIDE.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_architecture_page_explains_the_seams_and_where_to_add_things() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for heading in ("## The flow", "## The layers", "### Run inputs", "### Engines",
                    "### Results", "## Where to add things"):  # fmt: skip
        assert heading in text
    for what in ("A rule kind", "An ingest check", "An engine", "A reader of results"):
        assert f"**{what}" in text


def test_every_file_the_docs_name_exists() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for name in _PATH.findall(page.read_text(encoding="utf-8")):
            candidates = [ROOT / name, ROOT / "src" / "credence" / name, ROOT / "src" / name]
            assert any(c.exists() for c in candidates), f"{page.name} names {name}, not found"


def test_docstrings_point_to_pages_that_exist() -> None:
    pages = re.compile(r"docs/([a-z_-]+\.md)")
    for path in (ROOT / "src").rglob("*.py"):
        for page in pages.findall(path.read_text(encoding="utf-8")):
            assert (DOCS / page).is_file(), f"{path.name} points to docs/{page}"
