"""What every command shares: the workspace option, the consoles, and the error edge."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.panel import Panel

from credence.errors import CredenceError, ProblemsError
from credence.store import Workspace, default_workspace

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="CREDENCE_WORKSPACE",
        help="Workspace folder (default ./workspace, or $CREDENCE_WORKSPACE).",
        show_default=False,
    ),
]


def workspace_path(path: Path | None) -> Path:
    return path if path is not None else default_workspace()


def open_workspace(path: Path | None) -> Workspace:
    return Workspace.open(workspace_path(path))


def print_json(data: Any) -> None:
    """Machine output: plain JSON on stdout, no colours, no wrapping."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Translate CredenceError into a readable panel and exit code 2; nothing else is caught."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ProblemsError as error:
            body = "\n".join(f"• {p}" for p in error.problems)
            err_console.print(Panel(body, title=error.title, border_style="red"))
            raise typer.Exit(2) from error
        except CredenceError as error:
            err_console.print(Panel(str(error), title="error", border_style="red"))
            raise typer.Exit(2) from error

    return wrapper
