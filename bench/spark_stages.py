"""Where a Spark job's time goes, read from Spark's event log: per step of the plan (the job
description the engine sets, ``credence <step>``), the wall time of its stages, the executors'
CPU time and garbage collection, the bytes it shuffled and those it spilled to disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def stage_times(folder: Path) -> list[dict[str, Any]]:
    """One row per step, in the order the steps ran."""
    job_of_stage: dict[int, str] = {}
    steps: dict[str, dict[str, Any]] = {}
    for log in sorted(folder.iterdir()):
        for line in log.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            kind = event.get("Event")
            if kind == "SparkListenerJobStart":
                described = (event.get("Properties") or {}).get("spark.job.description", "")
                name = described.removeprefix("credence ") if described else "other"
                for stage in event.get("Stage IDs", []):
                    job_of_stage[int(stage)] = name
            elif kind == "SparkListenerStageCompleted":
                info = event["Stage Info"]
                if "Completion Time" not in info or "Submission Time" not in info:
                    continue  # skipped: its output was reused
                name = job_of_stage.get(int(info["Stage ID"]), "other")
                row = steps.setdefault(name, {"step": name, "stages": 0, "tasks": 0,
                                              "wall_s": 0.0, "cpu_s": 0.0, "shuffle_mb": 0.0,
                                              "spill_mb": 0.0, "gc_s": 0.0})
                row["stages"] += 1
                row["tasks"] += int(info.get("Number of Tasks", 0))
                row["wall_s"] += (info["Completion Time"] - info["Submission Time"]) / 1000
                metrics = {a.get("Name"): a.get("Value") for a in info.get("Accumulables", [])}
                row["cpu_s"] += float(metrics.get("internal.metrics.executorCpuTime", 0)) / 1e9
                written = metrics.get("internal.metrics.shuffle.write.bytesWritten", 0)
                row["shuffle_mb"] += float(written) / 1e6
                spilled = metrics.get("internal.metrics.diskBytesSpilled", 0)
                row["spill_mb"] += float(spilled) / 1e6
                row["gc_s"] += float(metrics.get("internal.metrics.jvmGCTime", 0)) / 1000
    return [
        {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}
        for row in steps.values()
    ]
