"""The capacity plan is computed from the rates a benchmark run measured, each named."""

from __future__ import annotations

from bench.capacity import NATION, NIGHT_HOURS, RECORD_DAYS, plan_lines

RESULTS = [
    {"records": 1_000_000, "ingest": {"seconds": 5.0, "records_bytes": 60_000_000},
     "spark_ingest": {"loaded": 1_000_000, "job_seconds": 50.0, "executor_cores": 2},
     "spark": {"job_seconds": 25.0, "executor_cores": 2}},
    {"records": 10_000_000, "ingest": {"seconds": 40.0, "records_bytes": 500_000_000},
     "spark": {"job_seconds": 100.0, "executor_cores": 2}},
]  # fmt: skip
RESOLUTION = {"machine": {"cpus": 2}, "throughput": {"rows": 1_000_000, "seconds": 100.0}}


def test_each_stage_is_costed_from_its_own_measured_rate() -> None:
    lines = plan_lines(RESULTS, RESOLUTION, cores=2)
    text = "\n".join(lines)
    window = NIGHT_HOURS * 3600
    score_cores = NATION["records"] / (50_000 * window)  # 10M / 100 s / 2 cores
    ingest_cores = NATION["records"] / RECORD_DAYS / (10_000 * window)  # 1M / 50 s / 2
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| ")}
    assert "50,000/s | Spark, 10,000,000 records" in rows["score"]
    assert rows["score"].endswith(f"| {score_cores:,.1f} |")
    assert "10,000/s | Spark, 1,000,000 records" in rows["ingest"]
    assert rows["ingest"].endswith(f"| {ingest_cores:,.1f} |")
    assert "5,000/s | DuckDB (Splink)" in rows["resolve"] and "no Spark figure" in rows["resolve"]
    nodes = -(-(score_cores + ingest_cores + rows_cores(lines)) // 16)
    assert f"**{int(nodes):,} nodes of 16 cores**" in text
    assert "50.0 bytes per record" in text and "5.0 TB" in text  # the largest size's bytes
    assert "Not measured (assumptions)" in text


def rows_cores(lines: list[str]) -> float:
    (resolve,) = [line for line in lines if line.startswith("| resolve")]
    return float(resolve.rstrip(" |").rsplit("| ", 1)[1].replace(",", ""))


def test_without_a_spark_rescore_there_is_no_plan() -> None:
    assert plan_lines([{**RESULTS[0], "spark": None}], RESOLUTION, cores=2) == []
