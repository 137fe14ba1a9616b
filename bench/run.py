"""``make bench``: ingest and full rescore at several sizes, against a hand-written floor.

Each phase runs in its own process (``bench.phases``) so its peak memory is measured alone.
Results go to BENCHMARKS.md (the figures of the latest run) and bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RECORDS_PER_SUBJECT = 10
END = "2026-11-01"
console = Console()


def _parse_size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def _phase(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.phases", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_scale(records: int) -> dict[str, Any]:
    subjects = max(1_000, records // RECORDS_PER_SUBJECT)
    folder = WORK / f"data-{records}"
    ws = WORK / f"ws-{records}"
    shutil.rmtree(ws, ignore_errors=True)
    result: dict[str, Any] = {"records": records, "subjects": subjects}
    if not (folder / "sources.json").exists():
        console.print(f"[bold]{records:,}[/] records: generating data for {subjects:,} subjects")
        result["generate"] = _phase("generate", str(folder), str(subjects), str(records), END)
    console.print(f"[bold]{records:,}[/] records: ingest")
    result["ingest"] = _phase("ingest", str(folder), str(ws))
    console.print(f"[bold]{records:,}[/] records: full rescore")
    result["score"] = _phase("score", str(ws), END)
    console.print(f"[bold]{records:,}[/] records: floor (hand-written DuckDB aggregate)")
    result["floor"] = _phase("floor", str(ws), END)
    result["ratio_to_floor"] = round(result["score"]["seconds"] / result["floor"]["seconds"], 2)
    shutil.rmtree(ws, ignore_errors=True)
    console.print(result)
    return result


def _report(results: list[dict[str, Any]]) -> str:
    cpu = os.cpu_count()
    lines = [
        "# Benchmarks",
        "",
        f"Latest `make bench` run: {date.today().isoformat()}, on {cpu} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"DuckDB memory limit 6 GB. Each phase runs in its own process; peak memory is that "
        "process's maximum resident set size.",
        "",
        "The **floor** is a hand-written DuckDB aggregate of the same points over the same records "
        "(valid window, caps, amounts and attributes; no score lines, ranks, lists or measures), "
        "run on the same workspace right after the full rescore. `ratio` is full rescore time "
        "over floor time, both measured in the same run (goal: at most 2). `mismatches` counts "
        "subjects whose floor total differs from the plan's score (must be 0).",
        "",
        "| records | subjects | ingest s | ingest rows/s | ingest peak MB | rescore s | rescore "
        "peak MB | floor s | ratio | mismatches |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rate = r["records"] / r["ingest"]["seconds"] if r["ingest"]["seconds"] else 0
        lines.append(
            f"| {r['records']:,} | {r['subjects']:,} | {r['ingest']['seconds']:.1f} | "
            f"{rate:,.0f} | {r['ingest']['peak_rss_mb']:,} | {r['score']['seconds']:.1f} | "
            f"{r['score']['peak_rss_mb']:,} | {r['floor']['seconds']:.1f} | "
            f"{r['ratio_to_floor']:.2f} | {r['floor']['mismatches']} |"
        )
    lines += [
        "",
        "Goals (issue: city pilot): full rescore within 2x of the floor; 100M records scored "
        "with peak memory under 8 GB.",
        "",
        "Reproduce: `make bench` (all sizes) or `.venv/bin/python -m bench.run --sizes 1M`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1M,10M,100M", help="record counts, e.g. 1M,10M")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = [run_scale(_parse_size(s)) for s in args.sizes.split(",") if s.strip()]
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    Path(args.out).write_text(_report(results), encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
