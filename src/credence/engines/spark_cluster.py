"""A Spark standalone cluster on this machine, from the installed PySpark: no download.

``start`` runs PySpark's own launcher (``bin/spark-class``) for a master and its workers, each
in a process group of its own on 127.0.0.1, waits until the master counts every worker alive,
and keeps what it started in ``cluster.json`` in the state folder, so ``status`` and ``stop``
find it again from another command. A cluster that does not come up is stopped again and the
error quotes its log.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from credence.errors import CredenceError

STATE_ENV = "CREDENCE_CLUSTER_DIR"
HOST = "127.0.0.1"
START_SECONDS = 90.0
_STARTED: dict[int, subprocess.Popen[bytes]] = {}  # launched by this process, reaped by it


class ClusterError(CredenceError):
    """A cluster that cannot be started, reached or found."""


@dataclass
class ClusterState:
    """What ``start`` started: the master's URL and web port, and every process id."""

    master_url: str
    web_port: int
    master_pid: int
    worker_pids: list[int] = field(default_factory=list)
    workers: int = 1
    cores: int = 1
    memory: str = "1g"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"


@dataclass
class ClusterStatus:
    """What the master says of itself: alive or not, and its workers' cores and memory."""

    master_url: str
    alive: bool
    workers_alive: int = 0
    cores: int = 0
    memory_mb: int = 0
    running_apps: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_state_dir() -> Path:
    """Where a cluster's state and logs live: ``$CREDENCE_CLUSTER_DIR`` or the user's cache."""
    chosen = os.environ.get(STATE_ENV)
    return Path(chosen) if chosen else Path.home() / ".cache" / "credence" / "cluster"


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError as error:  # pragma: no cover - depends on the machine
        raise ClusterError("a cluster needs PySpark: pip install 'credence[spark]'") from error
    return Path(pyspark.__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _environment(state_dir: Path) -> dict[str, str]:
    home = spark_home()
    return {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOG_DIR": str(state_dir / "logs"),
        "SPARK_WORKER_DIR": str(state_dir / "work"),
        "PYSPARK_PYTHON": sys.executable,  # executors run this interpreter, with Credence in it
        "SPARK_NO_DAEMONIZE": "1",
    }


def _launch(state_dir: Path, name: str, args: list[str]) -> int:
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out = (logs / f"{name}.log").open("ab")
    try:
        process = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(state_dir),
            start_new_session=True,  # its own process group: stop takes the JVM and its children
        )
    except OSError as error:
        raise ClusterError(f"cannot run Spark's launcher: {error}") from error
    finally:
        out.close()
    _STARTED[process.pid] = process
    return process.pid


def _state_file(state_dir: Path) -> Path:
    return state_dir / "cluster.json"


def load_state(state_dir: Path) -> ClusterState | None:
    path = _state_file(state_dir)
    if not path.exists():
        return None
    return ClusterState(**json.loads(path.read_text(encoding="utf-8")))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child that exited but was not reaped is a zombie: not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def start(
    state_dir: Path | None = None, workers: int = 1, cores: int = 1, memory: str = "1g"
) -> ClusterState:
    """Start a master and ``workers`` workers of ``cores`` cores and ``memory`` each; refuse
    when a cluster from this state folder is still running."""
    folder = state_dir or default_state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    running = load_state(folder)
    if running is not None and _alive(running.master_pid):
        raise ClusterError(
            f"a cluster is already running at {running.master_url} (stop it with "
            "'credence cluster stop')"
        )
    port, web_port = _free_port(), _free_port()
    master = _launch(
        folder,
        "master",
        ["org.apache.spark.deploy.master.Master", "--host", HOST, "--port", str(port),
         "--webui-port", str(web_port)],
    )  # fmt: skip
    state = ClusterState(f"spark://{HOST}:{port}", web_port, master, [], workers, cores, memory)
    _state_file(folder).write_text(json.dumps(asdict(state)), encoding="utf-8")
    try:
        _wait(folder, state, lambda s: s.alive, "the master")
        for number in range(workers):
            worker = [
                "org.apache.spark.deploy.worker.Worker", state.master_url, "--host", HOST,
                "--cores", str(cores), "--memory", memory, "--webui-port", "0",
                "--work-dir", str(folder / "work"),
            ]  # fmt: skip
            state.worker_pids.append(_launch(folder, f"worker-{number + 1}", worker))
            _state_file(folder).write_text(json.dumps(asdict(state)), encoding="utf-8")
        _wait(folder, state, lambda s: s.workers_alive >= workers, f"{workers} worker(s)")
    except ClusterError:
        stop(folder)
        raise
    return state


def _wait(folder: Path, state: ClusterState, ready: Any, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if ready(_ask(state)):
            return
        if not _alive(state.master_pid):
            break
        time.sleep(0.5)
    log = folder / "logs" / "master.log"
    tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
    raise ClusterError(
        f"{what} at {state.master_url} did not come up within {START_SECONDS:.0f} s"
        + (": " + " | ".join(tail) if tail else "")
    )


def _ask(state: ClusterState) -> ClusterStatus:
    try:
        with urllib.request.urlopen(f"{state.web_url}/json/", timeout=2) as answer:
            found = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return ClusterStatus(state.master_url, alive=False)
    workers = [w for w in found.get("workers", []) if w.get("state") == "ALIVE"]
    return ClusterStatus(
        state.master_url,
        alive=found.get("status") == "ALIVE",
        workers_alive=len(workers),
        cores=sum(int(w.get("cores", 0)) for w in workers),
        memory_mb=sum(int(w.get("memory", 0)) for w in workers),
        running_apps=len(found.get("activeapps", [])),
    )


def status(state_dir: Path | None = None) -> ClusterStatus:
    """What the cluster of this state folder says now; an error when none was started."""
    folder = state_dir or default_state_dir()
    state = load_state(folder)
    if state is None:
        raise ClusterError(
            f"no cluster started from {folder} (start one: 'credence cluster start')"
        )
    return _ask(state)


def stop(state_dir: Path | None = None, grace_seconds: float = 10.0) -> int:
    """Stop every process the cluster started (TERM, then KILL after ``grace_seconds``) and
    forget it; returns how many were running."""
    folder = state_dir or default_state_dir()
    state = load_state(folder)
    if state is None:
        return 0
    pids = [pid for pid in [*state.worker_pids, state.master_pid] if _alive(pid)]
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.2)
    for pid in pids:
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    _reap()
    _state_file(folder).unlink(missing_ok=True)
    return len(pids)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _reap() -> None:
    """Collect the launchers this process started that have exited (no zombies left)."""
    for pid, process in list(_STARTED.items()):
        if process.poll() is not None:
            del _STARTED[pid]
