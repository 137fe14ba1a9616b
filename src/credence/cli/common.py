"""What every command shares: the workspace option, the consoles, and the error edge; and what
the service's and the rights' commands share: the service day, the catalog, who acts."""

from __future__ import annotations

import functools
import getpass
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from credence.actions.scope import OPERATIONS, OPERATOR, Actor, CatalogScope
from credence.cli import failures
from credence.errors import CredenceError, ProblemsError
from credence.service.db import connect, ensure_service_tables
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

DayOption = Annotated[
    datetime | None,
    typer.Option("--today", formats=["%Y-%m-%d"], help="Service day (default: today)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def workspace_path(path: Path | None) -> Path:
    return path if path is not None else default_workspace()


def open_workspace(path: Path | None) -> Workspace:
    return Workspace.open(workspace_path(path))


def print_json(data: Any) -> None:
    """Machine output: plain JSON on stdout, no colours, no wrapping."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Translate CredenceError into a readable panel, and a failure of the machine (a full disk,
    an unwritable path, a lock) into one line, with exit code 2; nothing else is caught here
    (``app.main`` says anything else in one line too)."""

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
        except (OSError, duckdb.Error) as error:
            line = failures.describe(error)
            if line is None or os.environ.get("CREDENCE_DEBUG"):
                raise
            typer.echo(f"error: {line}", err=True)
            raise typer.Exit(2) from error

    return wrapper


def actor() -> str:
    """Who acts from the command line, for the audit log."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        user = "unknown"
    return f"cli:{user}"


def operator() -> Actor:
    """The operator acting from the command line, as the audit log names them."""
    return Actor(actor(), OPERATOR, OPERATIONS)


def day_of(value: datetime | None) -> date:
    return value.date() if value else date.today()


def table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    """Rows as a rich table of the given columns."""
    out = Table(title=title)
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
    return out


@contextmanager
def catalog(ws: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The workspace's catalog with every table of the service and the rights."""
    con = connect(ws)
    try:
        ensure_service_tables(con)
        yield con
    finally:
        con.close()


@contextmanager
def acting(ws: Workspace, day: date) -> Iterator[CatalogScope]:
    """The scope an action runs in from the command line: this process's one connection."""
    with catalog(ws) as con:
        yield CatalogScope(ws, con, day)
