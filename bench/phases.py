"""One benchmark phase per process, so each phase's peak memory is its own.

``python -m bench.phases PHASE ARGS`` prints one JSON line: seconds, peak_rss_mb and figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.data import write_records, write_subjects
from bench.floor import floor_scores
from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs.score import score_workspace
from credence.store import Workspace

# The floor is hand-written for the starter ruleset's conditions, so the benchmark scores with it.
BENCH_RULESET = "starter"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, subjects: int, records: int, end: str) -> dict[str, Any]:
    from bench.data import ruleset_kinds

    folder.mkdir(parents=True, exist_ok=True)
    write_subjects(folder / "subjects.parquet", subjects, seed=1)
    kinds = ruleset_kinds(load_ruleset(default_ruleset_path(BENCH_RULESET)))
    pairs = write_records(folder, folder / "subjects.parquet", subjects, records, kinds, end)
    (folder / "sources.json").write_text(json.dumps([[str(a), str(b)] for a, b in pairs]))
    return {"files": len(pairs)}


def ingest(folder: Path, ws_root: Path) -> dict[str, Any]:
    ws = Workspace.init(ws_root)
    loaded = quarantined = 0
    for data, mapping in json.loads((folder / "sources.json").read_text()):
        report = ingest_file(ws, Path(data), load_mapping(Path(mapping)))
        loaded += report.loaded
        quarantined += report.quarantined
    held = sum(f.stat().st_size for f in ws.records_dir.rglob("*.parquet"))
    return {"loaded": loaded, "quarantined": quarantined, "id_digest": _id_digest(ws),
            "records_bytes": held}  # fmt: skip


def _id_digest(ws: Workspace) -> str:
    """The sum of the record ids' hashes: equal for two ingests of the same set of records."""
    con = ws.connect(read_only=True)
    try:
        digest = con.execute("SELECT sum(hash(record_id))::VARCHAR FROM records").fetchall()
    finally:
        con.close()
    return str(digest[0][0])


def score(ws_root: Path, end: str) -> dict[str, Any]:
    run = score_workspace(
        Workspace.open(ws_root),
        load_ruleset(default_ruleset_path(BENCH_RULESET)),
        date.fromisoformat(end),
    )
    return {"subjects": run.subjects, "lines": run.lines, "digest": run.results_digest}


def spark_score(ws_root: Path, end: str) -> dict[str, Any]:
    """The same rescore on Spark, on a standalone cluster of two one-core workers started for it
    (``credence cluster``): the plan printed in Spark SQL, the results written by the executors.
    Start-up (the application and its executors) is timed apart from the job; the job's stage
    times come from Spark's event log, by step (``bench/spark_stages.py``)."""
    import tempfile

    from bench.spark_stages import stage_times
    from credence.engines import spark_cluster
    from credence.engines.spark_engine import local_session, shuffle_report, stop_session
    from credence.rules.compile import compile_plan

    ruleset = load_ruleset(default_ruleset_path(BENCH_RULESET))
    day = date.fromisoformat(end)
    with tempfile.TemporaryDirectory() as work:
        state, log = Path(work) / "cluster", Path(work) / "events"
        cluster = spark_cluster.start(state, workers=2, cores=1, memory="3g")
        try:
            started = time.perf_counter()
            session = local_session(cluster.master_url, event_log=log)
            session.range(2).count()  # the executors are up
            startup = time.perf_counter() - started
            run = score_workspace(Workspace.open(ws_root), ruleset, day, engine="spark",
                                  spark_master=cluster.master_url)  # fmt: skip
            steps = shuffle_report(session, compile_plan(ruleset, day))
            stop_session()  # the event log is complete once the application ends
            stages = stage_times(log)
        finally:
            spark_cluster.stop(state)
    return {
        "subjects": run.subjects,
        "lines": run.lines,
        "digest": run.results_digest,
        "job_seconds": round(run.seconds, 2),
        "startup_seconds": round(startup, 2),
        "executor_cores": 2,
        "shuffles": sum(count for _, count in steps),
        "stages": stages,
    }


def spark_ingest(folder: Path, ws_root: Path) -> dict[str, Any]:
    """The same ingest on Spark (``credence ingest --engine spark``), on a standalone cluster of
    two one-core workers started for it: the executors read, check and write every file, the
    catalog commits. Start-up (the application and its executors) is timed apart from the job;
    the id digest must equal the DuckDB ingest's."""
    import tempfile

    from credence.engines import spark_cluster
    from credence.ingest.on_spark import ingest_files_on_spark, session_for_ingest

    ws = Workspace.init(ws_root)
    loaded = quarantined = 0
    with tempfile.TemporaryDirectory() as work:
        state = Path(work) / "cluster"
        cluster = spark_cluster.start(state, workers=2, cores=1, memory="3g")
        try:
            started = time.perf_counter()
            session_for_ingest(cluster.master_url).range(2).count()  # the executors are up
            startup = time.perf_counter() - started
            job = time.perf_counter()
            for data, mapping in json.loads((folder / "sources.json").read_text()):
                report = ingest_files_on_spark(
                    ws, [Path(data)], load_mapping(Path(mapping)), cluster.master_url
                )
                loaded += report.loaded
                quarantined += report.quarantined
            job_seconds = time.perf_counter() - job
        finally:
            spark_cluster.stop(state)
    return {
        "loaded": loaded,
        "quarantined": quarantined,
        "id_digest": _id_digest(ws),
        "job_seconds": round(job_seconds, 2),
        "startup_seconds": round(startup, 2),
        "executor_cores": 2,
    }


def floor(ws_root: Path, end: str) -> dict[str, Any]:
    return floor_scores(
        Workspace.open(ws_root),
        load_ruleset(default_ruleset_path(BENCH_RULESET)),
        date.fromisoformat(end),
    )


def main(argv: list[str]) -> None:
    phase, *args = argv
    started = time.perf_counter()
    if phase == "generate":
        figures = generate(Path(args[0]), int(args[1]), int(args[2]), args[3])
    elif phase == "ingest":
        figures = ingest(Path(args[0]), Path(args[1]))
    elif phase == "score":
        figures = score(Path(args[0]), args[1])
    elif phase == "spark":
        figures = spark_score(Path(args[0]), args[1])
    elif phase == "spark_ingest":
        figures = spark_ingest(Path(args[0]), Path(args[1]))
    elif phase == "incremental":
        from bench.incremental_bench import run as incremental_run

        links = int(args[3]) if len(args) > 3 else 0
        figures = incremental_run(Path(args[0]), args[1], int(args[2]), links=links)
    elif phase == "floor":
        figures = floor(Path(args[0]), args[1])
    elif phase == "ingest_floor":
        from bench.ingest_floor import ingest_floor

        figures = ingest_floor(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown phase {phase!r}")
    figures.update(seconds=round(time.perf_counter() - started, 2), peak_rss_mb=round(_peak_mb()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
