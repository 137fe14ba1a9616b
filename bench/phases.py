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
    return {"loaded": loaded, "quarantined": quarantined}


def score(ws_root: Path, end: str) -> dict[str, Any]:
    run = score_workspace(
        Workspace.open(ws_root),
        load_ruleset(default_ruleset_path(BENCH_RULESET)),
        date.fromisoformat(end),
    )
    return {"subjects": run.subjects, "lines": run.lines, "digest": run.results_digest}


def spark_score(ws_root: Path, end: str) -> dict[str, Any]:
    """The same rescore on Spark (local[2]): the plan printed in Spark SQL, results brought back,
    and the count of shuffles each step of that run made (read from Spark's executed plans)."""
    from credence.engines.spark_engine import local_session, shuffle_report
    from credence.rules.compile import compile_plan

    ruleset = load_ruleset(default_ruleset_path(BENCH_RULESET))
    day = date.fromisoformat(end)
    run = score_workspace(
        Workspace.open(ws_root), ruleset, day, engine="spark", spark_master="local[2]"
    )
    steps = shuffle_report(local_session("local[2]"), compile_plan(ruleset, day))
    return {
        "subjects": run.subjects,
        "lines": run.lines,
        "digest": run.results_digest,
        "shuffles": sum(count for _, count in steps),
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
    elif phase == "incremental":
        from bench.incremental_bench import run as incremental_run

        links = int(args[3]) if len(args) > 3 else 0
        figures = incremental_run(Path(args[0]), args[1], int(args[2]), links=links)
    elif phase == "floor":
        figures = floor(Path(args[0]), args[1])
    else:
        raise SystemExit(f"unknown phase {phase!r}")
    figures.update(seconds=round(time.perf_counter() - started, 2), peak_rss_mb=round(_peak_mb()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
