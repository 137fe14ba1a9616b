"""No traceback reaches a user: a workspace held by another process, a full disk and a path that
cannot be written each give one clear line and a non-zero exit, from the real command line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ScoredCity
from tests.test_service_support import copy_city

CLI = [sys.executable, "-c", "from credence.cli.app import main; main()"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workspace(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_city(scored_city, tmp_path_factory.mktemp("failures") / "ws")


def test_a_held_workspace_names_the_process_that_holds_it(workspace: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(120)", str(workspace / "catalog.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for args in (["lists", "black"], ["export", "scores", "--out", "x.csv"]):
            done = _run(*args, "-w", str(workspace))
            assert done.returncode != 0, args
            assert "Traceback" not in done.stderr + done.stdout, done.stderr
            said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", done.stderr).split())  # a panel's lines
            assert f"in use by process {holder.pid}" in said, said
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device always full)")
def test_a_full_disk_is_one_line(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    out.symlink_to("/dev/full")  # every write to it fails with ENOSPC, as on a full disk
    done = _run("export", "scores", "--out", str(out), "-w", str(workspace))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no space left on the device"), lines


def test_an_unwritable_path_is_one_line(workspace: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = _run("export", "scores", "--out", str(blocker / "scores.csv"), "-w", str(workspace))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot create" in lines[0] and "a-file" in lines[0], lines
