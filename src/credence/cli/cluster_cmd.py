"""``credence cluster``: a Spark standalone cluster on this machine for ``--spark-master``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credence.cli.common import JsonOption, console, handle_errors, print_json
from credence.engines import spark_cluster

cluster_app = typer.Typer(help="A Spark standalone cluster on this machine: start, status, stop.")

StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        envvar=spark_cluster.STATE_ENV,
        help=f"Where the cluster keeps its state and logs (or ${spark_cluster.STATE_ENV}).",
        show_default=False,
    ),
]


@cluster_app.command("start")
@handle_errors
def start(
    workers: Annotated[int, typer.Option(min=1, max=64, help="Workers to start.")] = 2,
    cores: Annotated[int, typer.Option(min=1, max=256, help="Cores of each worker.")] = 1,
    memory: Annotated[
        str, typer.Option(help="Memory of each worker (Spark's size: 2g, 512m).")
    ] = "2g",
    state_dir: StateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a master and its workers on 127.0.0.1 from the installed PySpark; print the
    master URL to pass as --spark-master."""
    with console.status("starting the Spark master and workers"):
        state = spark_cluster.start(state_dir, workers, cores, memory)
    if as_json:
        print_json({"master_url": state.master_url, "web_url": state.web_url})
        return
    console.print(
        f"[green]cluster up[/]: {state.master_url} ({workers} worker(s) of {cores} core(s), "
        f"{memory}); its page at {state.web_url}"
    )
    console.print(f"score on it: credence score --engine spark --spark-master {state.master_url}")


@cluster_app.command("status")
@handle_errors
def status(state_dir: StateOption = None, as_json: JsonOption = False) -> None:
    """Whether the master is up, and its workers' cores and memory."""
    found = spark_cluster.status(state_dir)
    if as_json:
        print_json(found.to_dict())
    elif found.alive:
        console.print(
            f"{found.master_url}: up, {found.workers_alive} worker(s) alive, {found.cores} "
            f"core(s), {found.memory_mb} MB, {found.running_apps} running application(s)"
        )
    else:
        console.print(f"[red]{found.master_url}: not answering[/]")
    if not found.alive:
        raise typer.Exit(1)


@cluster_app.command("stop")
@handle_errors
def stop(state_dir: StateOption = None) -> None:
    """Stop the master and workers this machine's cluster started."""
    stopped = spark_cluster.stop(state_dir)
    console.print(f"stopped {stopped} process(es)" if stopped else "no cluster was running")


def register(app: typer.Typer) -> None:
    app.add_typer(cluster_app, name="cluster")
