"""Organisation lookup latency and throughput of the service on loopback.

Serves a demo city with uvicorn in its own process, then runs 50 concurrent clients
(``httpx.AsyncClient``, each with its own connection) that look up organisations drawn at
random, for a bounded time after a short warm-up, in two runs:

* **paced**: each client sends ``--rate`` requests a second on a fixed schedule (50 people using
  the service); latency counts from the scheduled moment, so a slow answer that delays the next
  request is not hidden (no coordinated omission);
* **saturated**: each client sends its next request as soon as the last one is answered, which
  gives the throughput; its latency is mostly queueing (50 clients / throughput).

Before them one client looks up every organisation once, in turn (**first lookups**): the service
keeps a lookup until the next change to records or scores, so this is the cost of a lookup that
is not cached yet; the timed runs then measure the service as it runs between changes.

Reports p50, p90, p99 and max latency and requests per second, as a Markdown section on stdout
and as JSON (``--out``). Goal: p99 under 20 ms (paced).

With ``--engine spark`` the city is scored again on Spark first (on a standalone cluster of two
one-core workers started for it with ``credence cluster``, and stopped before the service
starts), so every lookup reads the Parquet files a Spark run's executors wrote.

    .venv/bin/python -m bench.service_latency --seconds 20 [--engine spark]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import httpx

from credence.runs import results

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
GOAL_P99_MS = 20.0
SERVER = (
    "import sys, uvicorn\n"
    "from credence.service import create_app\n"
    "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]),\n"
    "            log_level='warning', access_log=False)\n"
)


def _city(args: argparse.Namespace) -> Path:
    """The workspace to serve: the one given, or a demo city made once under bench/work."""
    if args.workspace:
        return Path(args.workspace)
    root = WORK / f"service-{args.people}-{args.organizations}"
    if not (root / "catalog.duckdb").exists():
        from credence.actions.demo import run_demo

        print(f"making a city of {args.people} people, {args.organizations} firms", file=sys.stderr)
        run_demo(root, args.people, args.organizations, seed=7, as_of=date(2026, 6, 30))
    return root


def _on_spark(root: Path) -> Path:
    """A copy of the city scored again on Spark: its current run is a Spark run's files."""
    import shutil
    import tempfile

    from credence.engines import spark_cluster
    from credence.rules.loader import default_ruleset_path, load_ruleset
    from credence.runs.score import score_workspace
    from credence.store import Workspace

    copy = root.with_name(root.name + "-spark")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    con = duckdb.connect(str(copy / "catalog.duckdb"), read_only=True)
    try:
        day = results.require_current(con).as_of
    finally:
        con.close()
    with tempfile.TemporaryDirectory() as state:
        cluster = spark_cluster.start(Path(state), workers=2, cores=1, memory="2g")
        try:
            run = score_workspace(Workspace.open(copy), load_ruleset(default_ruleset_path()), day,
                                  engine="spark", spark_master=cluster.master_url)  # fmt: skip
        finally:
            from credence.engines.spark_engine import stop_session

            stop_session()
            spark_cluster.stop(Path(state))
    print(f"scored on Spark: run {run.run_id}, {run.subjects:,} subjects", file=sys.stderr)
    return copy


def _organisations(root: Path) -> list[str]:
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        rows = con.execute(
            results.require_current(con).sql(
                "SELECT subject_code FROM {scores} WHERE subject_kind = 'organization'"
            )
        ).fetchall()
    finally:
        con.close()
    return [str(code) for (code,) in rows]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/purposes", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the service did not start within 60 s")


async def _client(
    http: httpx.AsyncClient, codes: list[str], seed: int, rate: float, until: float,
    warm: float, latencies: list[float], errors: list[int],
) -> None:  # fmt: skip
    """One client on its own connection; with a ``rate`` it keeps to a schedule and counts
    latency from each scheduled moment."""
    rng = random.Random(seed)
    interval = 1.0 / rate if rate > 0 else 0.0
    due = time.perf_counter() + rng.random() * interval
    while due < until:
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        start = due if interval else time.perf_counter()
        response = await http.get(f"/organisations/{rng.choice(codes)}")
        done = time.perf_counter()
        if response.status_code != 200:
            errors.append(response.status_code)
        elif start >= warm:
            latencies.append(done - start)
        due = due + interval if interval else done


async def _load(
    port: int, codes: list[str], clients: int, rate: float, seconds: float, warmup: float
) -> dict[str, Any]:
    """Run the clients; each has its own httpx client and connection, made before the clock
    starts (making one costs tens of milliseconds), so httpx's cost per request stays flat."""
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30)
        for _ in range(clients)
    ]
    try:
        start = time.perf_counter()
        warm, until = start + warmup, start + warmup + seconds
        await asyncio.gather(
            *(
                _client(http, codes, i, rate, until, warm, latencies, errors)
                for i, http in enumerate(pool)
            )
        )
    finally:
        for http in pool:
            await http.aclose()
    mode = f"paced, {rate:g} req/s per client" if rate > 0 else "saturated"
    return _stats(mode, clients, seconds, latencies, errors)


async def _prime(port: int, codes: list[str]) -> dict[str, Any]:
    """Look up every organisation once, one at a time: the latency of uncached lookups."""
    latencies: list[float] = []
    errors: list[int] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for code in codes:
            start = time.perf_counter()
            response = await http.get(f"/organisations/{code}")
            if response.status_code == 200:
                latencies.append(time.perf_counter() - start)
            else:
                errors.append(response.status_code)
    seconds = sum(latencies)
    return _stats("first lookups, 1 client", 1, seconds, latencies, errors)


def _stats(
    mode: str, clients: int, seconds: float, latencies: list[float], errors: list[int]
) -> dict[str, Any]:
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "mode": mode,
        "clients": clients,
        "seconds": round(seconds, 2),
        "requests": len(latencies),
        "errors": len(errors),
        "throughput_rps": round(len(latencies) / seconds, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2),
    }


def _section(result: dict[str, Any]) -> str:
    runs = result["runs"]
    paced = runs[1]
    verdict = "met" if paced["p99_ms"] < GOAL_P99_MS else "not met"
    rows = [
        f"| {r['mode']} | {r['requests']:,} | {r['errors']} | {r['throughput_rps']:,} | "
        f"{r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} |"
        for r in runs
    ]
    title = "## Service: organisation lookup"
    if result.get("engine") == "spark":
        title += " (results: a Spark run's Parquet files)"
    return "\n".join([
        title,
        "",
        f"{result['organisations']:,} organisations served by uvicorn (one worker) on loopback. "
        "First one client looks up each organisation once (uncached lookups); then "
        f"{paced['clients']} concurrent clients (httpx.AsyncClient, one process on the same "
        f"machine) look up organisations at random for {paced['seconds']:.0f} s per run after "
        f"{result['warmup']:.0f} s of warm-up; {result['cpus']} cores, {result['python']}, "
        f"load average {result['load_before']} before the runs.",
        "",
        "| run | requests | errors | throughput req/s | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Goal: p99 under {GOAL_P99_MS:.0f} ms for the paced run ({verdict}). The saturated "
        "run's latency is queueing: 50 clients waiting on one worker. Reproduce: "
        "`.venv/bin/python -m bench.service_latency"
        + (" --engine spark`." if result.get("engine") == "spark" else "`."),
        "",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", help="serve this workspace instead of a demo city")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--organizations", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="paced requests/s per client")
    parser.add_argument("--seconds", type=float, default=20.0, help="per run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                        help="which engine wrote the results the service reads")  # fmt: skip
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    suffix = "" if args.engine == "duckdb" else f"_{args.engine}"
    args.out = args.out or str(ROOT / "bench" / f"service_latency{suffix}.json")
    root = _city(args)
    if args.engine == "spark":
        root = _on_spark(root)
    codes = _organisations(root)
    port = _free_port()
    server = _start(root, port)
    load_before = round(os.getloadavg()[0], 2)
    try:
        runs = [asyncio.run(_prime(port, codes))] + [
            asyncio.run(_load(port, codes, args.clients, rate, args.seconds, args.warmup))
            for rate in (args.rate, 0.0)
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    result: dict[str, Any] = dict(
        runs=runs, organisations=len(codes), warmup=args.warmup, cpus=os.cpu_count(),
        load_before=load_before,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        goal_p99_ms=GOAL_P99_MS, engine=args.engine,
    )  # fmt: skip
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(_section(result))


if __name__ == "__main__":
    main()
