"""``credence rules doc``: the ruleset written out for the people it rates."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from credence.cli.common import WorkspaceOption, console, handle_errors, open_workspace
from credence.rulebook import write_rulebook
from credence.rules.loader import default_ruleset_path, load_ruleset, ruleset_hash
from credence.rules.spec import Ruleset
from credence.store.rulesets import resolve_ruleset


class DocFormat(StrEnum):
    md = "md"
    html = "html"
    both = "both"


def register_rules(rules_app: typer.Typer) -> None:
    """Add ``doc`` to the ``rules`` group."""
    rules_app.command("doc")(doc)


def load_ref(ref: str | None, workspace: Path | None) -> Ruleset:
    """The packaged default, a YAML file, or a published version / hash of the workspace.

    A file needs no workspace, so a rulebook can be written before anything is published.
    """
    if ref is None:
        return load_ruleset(default_ruleset_path())
    path = Path(ref)
    if path.is_file() or path.suffix.lower() in (".yaml", ".yml"):
        return load_ruleset(path)
    con = open_workspace(workspace).connect(read_only=True)
    try:
        return resolve_ruleset(con, ref)
    finally:
        con.close()


@handle_errors
def doc(
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Ruleset: a YAML path, NAME@VERSION, a published version or a hash prefix "
            "(default: the packaged default ruleset).",
            metavar="REF",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the rulebook into.")
    ] = Path("rulebook"),
    output: Annotated[
        DocFormat, typer.Option("--format", "-f", help="md, html or both.")
    ] = DocFormat.both,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Write the rulebook a rated person can read: rulebook.md and/or rulebook.html."""
    ruleset = load_ref(ref, workspace)
    formats = ["md", "html"] if output is DocFormat.both else [output.value]
    written = write_rulebook(ruleset, out, formats)
    digest = ruleset_hash(ruleset)[:12]
    title = f"rulebook of {ruleset.ruleset} {ruleset.version} (sha256 {digest})"
    console.print(title, soft_wrap=True, highlight=False, markup=False)
    for path in written:
        console.print(f"wrote {path}", soft_wrap=True, highlight=False, markup=False)
