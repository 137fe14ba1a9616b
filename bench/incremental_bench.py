"""One new record to an updated score, through the service, on a scored workspace.

Each new record is one operator POST /operator/records to the app `credence serve` runs, served
by uvicorn on a local socket and sent by an HTTP client: the row is checked and ingested as its
own batch, its subject rescored incrementally, the audit entries written, the answer sent, all in
one transaction. The latency is the POST's wall time at the client. At the end a full rescore of
the same workspace must give the same results digest as the last incremental run: the
incremental path has changed nothing a full rescore would not.
"""

from __future__ import annotations

import random
import socket
import statistics
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from credence.runs import results
from credence.runs.score import latest_run, score_workspace
from credence.service.app import create_app
from credence.service.keys import create_key
from credence.store import Workspace
from credence.store.rulesets import stored_ruleset

SOURCE = "bench-events"
# Kinds the starter ruleset scores, so every post changes a score or a listing.
KINDS = ("tax.filing.late", "court.judgment.unfulfilled", "market.penalty.fine", "volunteer.award")
WARM_UP = 5


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_links(ws_root: Path, count: int) -> None:
    """``count`` identity links, spread over every subject, as resolution leaves them: each
    for a code-less record id that no batch here holds, so the scores stay as they are and
    only the cost of finding a subject's links is added to each post."""
    con = Workspace.open(ws_root).connect()
    try:
        (subjects,) = con.execute("SELECT COUNT(*) FROM subjects").fetchone() or (0,)
        con.execute(
            "INSERT INTO record_links SELECT md5('bench-link-' || i), s.subject_kind, "
            "s.subject_code, 0.99, 'splink', NULL, 'bench', now() - INTERVAL 1 DAY, NULL, NULL "
            "FROM range(?) t(i) JOIN (SELECT row_number() OVER () - 1 AS n, subject_kind, "
            "subject_code FROM subjects) s ON s.n = i % ?",
            [count, max(1, int(subjects))],
        )
    finally:
        con.close()


def run(ws_root: Path, end: str, posts: int, seed: int = 7, links: int = 0) -> dict[str, Any]:
    """Post ``posts`` new records (after a few warm-up posts) and time each; then check.
    ``links``: identity links added to the catalog first (``add_links``)."""
    if links:
        add_links(ws_root, links)
    day = date.fromisoformat(end)
    rng = random.Random(seed)
    nonce = time.time_ns()  # a rerun on the same workspace posts new records, not repeats
    app = create_app(ws_root, today=day)
    service = app.state.service
    with service.db.write() as con:
        key = {"X-API-Key": create_key(con, "operator", None).secret}
    with service.db.read() as con:
        subjects = con.execute(
            results.require_current(con).sql(
                "SELECT subject_kind, subject_code FROM {scores} USING SAMPLE 2000 ROWS "
                "ORDER BY subject_code"
            )
        ).fetchall()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    while not server.started:
        time.sleep(0.05)
    try:
        started = time.perf_counter()
        latencies: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for number in range(WARM_UP + posts):
                kind, code = rng.choice(subjects)
                row = {
                    "rid": f"posted-{nonce}-{number}",
                    "code": code,
                    "subject_type": "ORG" if kind == "organization" else "PER",
                    "event": rng.choice(KINDS),
                    "day": (day - timedelta(days=rng.randint(1, 300))).isoformat(),
                    "amount": round(rng.uniform(100, 50_000), 2),
                }
                t0 = time.perf_counter()
                answer = client.post(
                    "/operator/records", headers=key, json={"source": SOURCE, "row": row}
                )
                elapsed = time.perf_counter() - t0
                if answer.status_code != 201 or not answer.json().get("rescored_run"):
                    raise SystemExit(f"post {number} failed: {answer.status_code} {answer.text}")
                if number >= WARM_UP:
                    latencies.append(elapsed * 1000)
        wall = time.perf_counter() - started
        with service.db.read() as con:
            last = latest_run(con)
    finally:
        server.should_exit = True  # its shutdown closes the service's connections
        serving.join()
    assert last is not None
    ws = Workspace.open(ws_root)
    con = ws.connect(read_only=True)
    try:
        ruleset = stored_ruleset(con, str(last["ruleset_hash"]))
    finally:
        con.close()
    full_started = time.perf_counter()
    full = score_workspace(ws, ruleset, day)
    full_seconds = time.perf_counter() - full_started
    return {
        "posts": posts,
        "warm_up": WARM_UP,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "first_ms": round(latencies[0], 1),
        "last_ms": round(latencies[-1], 1),
        "wall_s": round(wall, 1),
        "full_rescore_s": round(full_seconds, 2),
        "digest_equal": full.results_digest == str(last["results_digest"]),
        "ruleset": str(last["ruleset"]),
        "links": links,
    }
