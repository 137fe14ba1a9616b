"""The capacity plan for a nation, from the per-core figures a `make bench` run measured.

Each stage of a night is costed from its own rate per core: the ingest of the night's new
records, the resolution of their code-less rows, the full rescore of every record; storage from
the bytes per record the benchmark's workspace holds. Each figure names where it was measured,
and what was not measured is listed as an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NATION = {"people": 1_400_000_000, "organizations": 50_000_000, "records": 100_000_000_000}
NIGHT_HOURS = 6
NODE_CORES = 16
# Assumptions, not measurements: the benchmark's records span ten years, so a night brings a
# ten-year history's 3,650th part; at most one incoming row in a hundred lacks its code (the
# generated city: 1,549 of 202,800).
RECORD_DAYS = 3650
CODELESS_SHARE = 0.01


@dataclass(frozen=True)
class Rate:
    """Rows or records per second per core, and the run that measured it."""

    per_core: float
    measured_on: str


def spark_seconds(spark: dict[str, Any]) -> float:
    """A Spark phase's job seconds (a run from before start-up was timed apart: its whole time)."""
    return float(spark["job_seconds"] if "job_seconds" in spark else spark["seconds"])


def measured_rates(
    results: list[dict[str, Any]], resolution: dict[str, Any], cores: int
) -> dict[str, Rate]:
    """The largest size's figure of each stage, Spark's where the run has one."""
    rates: dict[str, Rate] = {}
    for r in results:  # smallest first: the largest size's figure stays
        size = f"{r['records']:,} records"
        spark_ingest = r.get("spark_ingest")
        if spark_ingest:
            rate = spark_ingest["loaded"] / spark_seconds(spark_ingest)
            rates["ingest"] = Rate(rate / spark_ingest.get("executor_cores", 2), f"Spark, {size}")
        elif "ingest" not in rates or rates["ingest"].measured_on.startswith("DuckDB"):
            rate = r["records"] / r["ingest"]["seconds"] / cores
            rates["ingest"] = Rate(rate, f"DuckDB, {size} (no Spark figure)")
        spark = r.get("spark")
        if spark:
            rate = r["records"] / spark_seconds(spark) / spark.get("executor_cores", 2)
            rates["score"] = Rate(rate, f"Spark, {size}")
    throughput = resolution.get("throughput") or {}
    if throughput.get("seconds"):
        cpus = int(resolution.get("machine", {}).get("cpus", cores))
        rate = throughput["rows"] / throughput["seconds"] / cpus
        rows = f"{throughput['rows']:,} code-less rows"
        rates["resolve"] = Rate(rate, f"DuckDB (Splink), {rows} (no Spark figure)")
    return rates


def bytes_per_record(results: list[dict[str, Any]]) -> tuple[float, int] | None:
    """The records' bytes on disk per record, and the size it was measured at."""
    found = None
    for r in results:
        held = r["ingest"].get("records_bytes")
        if held:
            found = (held / r["records"], r["records"])
    return found


def plan_lines(results: list[dict[str, Any]], resolution: dict[str, Any], cores: int) -> list[str]:
    """The section of BENCHMARKS.md: cores and nodes for a night, the first load, storage."""
    rates = measured_rates(results, resolution, cores)
    if "score" not in rates:
        return []
    window = NIGHT_HOURS * 3600
    nightly = NATION["records"] / RECORD_DAYS
    work = {
        "ingest": (nightly, "the night's new records"),
        "resolve": (nightly * CODELESS_SHARE, "their code-less rows"),
        "score": (NATION["records"], "a full rescore of every record"),
    }
    lines = [
        "## Capacity plan for a nation, from the measured rates per core",
        "",
        f"A nation: {NATION['people']:,} people, {NATION['organizations']:,} organisations, "
        f"{NATION['records']:,} records, all of a night's work within {NIGHT_HOURS} hours.",
        "",
        "| stage | work a night | rate per core | measured on | cores |",
        "|---|---:|---:|---|---:|",
    ]
    total = 0.0
    for stage, (amount, what) in work.items():
        rate = rates.get(stage)
        if rate is None:
            lines.append(f"| {stage} | {amount:,.0f} ({what}) | — | not measured | — |")
            continue
        need = amount / (rate.per_core * window)
        total += need
        lines.append(
            f"| {stage} | {amount:,.0f} ({what}) | {rate.per_core:,.0f}/s | {rate.measured_on} "
            f"| {need:,.1f} |"
        )
    nodes = int(-(-total // NODE_CORES))
    lines += ["", f"In all about {total:,.0f} cores: **{nodes:,} nodes of {NODE_CORES} cores**."]
    if "ingest" in rates:
        first = NATION["records"] / rates["ingest"].per_core / 3600
        lines.append(
            f"The first load of all {NATION['records']:,} records through the ingest: "
            f"{first:,.0f} core-hours ({first / (nodes * NODE_CORES) / 24:,.1f} days on those "
            "nodes)."
        )
    held = bytes_per_record(results)
    if held:
        per, size = held
        lines.append(
            f"Storage: {per:,.1f} bytes per record in the Parquet batches and their id indexes "
            f"(measured on the {size:,}-record workspace): "
            f"{per * NATION['records'] / 1e12:,.1f} TB of records for the nation, before results "
            "and copies."
        )
    lines += [
        "",
        "Measured: each rate above where it was measured (the Spark figures on a cluster of two "
        "one-core workers on this 2-core machine, where the driver, the workers and the caching "
        "share the two cores, so they are a floor for real nodes), and the bytes per record. "
        "Not measured (assumptions): throughput growing linearly with cores and nodes (the "
        "rescore's one record scan and one shuffle by subject, the ingest's files read one "
        "task each); resolution on Spark (the DuckDB figure stands in for it); a night's "
        f"inflow of a {RECORD_DAYS:,}th of the history; a code-less share of "
        f"{CODELESS_SHARE:.0%}; the benchmark's mix of about ten records per subject. "
        "Incremental rescoring (`credence score --subject`) keeps daytime changes off this path.",
    ]
    return lines
