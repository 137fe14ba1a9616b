"""``credence cluster``: a Spark standalone master and workers from the installed PySpark,
started, asked and stopped from the command line; a second start is refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.runs import results
from credence.runs.score import score_workspace
from credence.store import Workspace
from tests.conftest import ScoredCity
from tests.test_service_support import copy_city

pytest.importorskip("pyspark", reason="the Spark extra is not installed: pip install '.[spark]'")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_a_cluster_starts_answers_and_stops(tmp_path: Path) -> None:
    state = tmp_path / "cluster"
    code, output = _run("cluster", "status", "--state-dir", str(state))
    assert code == 2 and "no cluster started" in output
    code, output = _run(
        "cluster", "start", "--workers", "2", "--cores", "1", "--memory", "1g",
        "--state-dir", str(state), "--json",
    )  # fmt: skip
    assert code == 0, output
    master = json.loads(output)["master_url"]
    assert re.fullmatch(r"spark://127\.0\.0\.1:\d+", master)
    pids = json.loads((state / "cluster.json").read_text())
    try:
        code, output = _run("cluster", "status", "--state-dir", str(state), "--json")
        found = json.loads(output)
        assert code == 0 and found["alive"] and found["workers_alive"] == 2
        assert (found["cores"], found["memory_mb"]) == (2, 2048)
        code, output = _run("cluster", "start", "--state-dir", str(state))
        assert code == 2 and f"already running at {master}" in output
    finally:
        code, output = _run("cluster", "stop", "--state-dir", str(state))
    assert code == 0 and "stopped 3 process(es)" in output
    assert not any(_running(p) for p in [pids["master_pid"], *pids["worker_pids"]])
    assert not (state / "cluster.json").exists()
    assert _run("cluster", "stop", "--state-dir", str(state))[1] == "no cluster was running"
    assert os.listdir(state / "logs")  # the master's and workers' logs are kept


def _executors(folder: Path) -> list[int]:
    """Executor processes of the cluster of ``folder`` (they run in its work folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if b"CoarseGrainedExecutorBackend" in command and cwd.startswith(str(folder)):
            found.append(int(entry.name))
    return found


def test_a_killed_executor_changes_nothing(
    scored_city: ScoredCity, spark_master: str, spark_cluster_dir: Path, tmp_path: Path
) -> None:
    """kill -9 of one executor in the middle of a Spark run: Spark runs its tasks again and the
    results digest is DuckDB's."""
    ws = Workspace.open(copy_city(scored_city, tmp_path / "ws"))
    con = ws.connect()
    try:
        expected = str(results.require_current(con).row["results_digest"])
    finally:
        con.close()
    outcome: dict[str, Any] = {}

    def score() -> None:
        try:
            outcome["run"] = score_workspace(
                ws, scored_city.ruleset, scored_city.as_of, engine="spark",
                spark_master=spark_master,
            )  # fmt: skip
        except BaseException as error:  # reported by the assertion below
            outcome["error"] = error

    running = threading.Thread(target=score)
    running.start()
    killed = None
    deadline = time.monotonic() + 240
    while running.is_alive() and time.monotonic() < deadline and killed is None:
        executors = _executors(spark_cluster_dir)
        if len(executors) == 2:
            time.sleep(3)  # into the job: the records are being read and exchanged
            if running.is_alive():
                killed = executors[0]
                os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    running.join(600)
    assert killed is not None, "the run ended before an executor could be killed"
    assert "error" not in outcome, outcome.get("error")
    assert outcome["run"].results_digest == expected


def test_a_master_out_of_reach_is_named_and_nothing_is_recorded(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        master = f"spark://127.0.0.1:{probe.getsockname()[1]}"
    before = _runs(Workspace.open(root))
    started = time.monotonic()
    code, output = _run("score", "-w", str(root), "--engine", "spark", "--spark-master", master)
    assert code != 0 and master in output and "credence cluster start" in output, output
    assert "Traceback" not in output
    assert time.monotonic() - started < 30  # refused at once, not after Spark's retries
    assert _runs(Workspace.open(root)) == before
    code, output = _run("score", "-w", str(root), "--engine", "spark", "--spark-master",
                        "spark://nowhere")  # fmt: skip
    assert code != 0 and "not spark://HOST:PORT" in output, output


def _runs(ws: Workspace) -> int:
    con = ws.connect()
    try:
        return len(results.runs(con))
    finally:
        con.close()
