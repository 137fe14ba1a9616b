"""``credence cluster``: a Spark standalone master and workers from the installed PySpark,
started, asked and stopped from the command line; a second start is refused."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.app import app

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
