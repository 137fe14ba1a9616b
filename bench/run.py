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

from bench.capacity import plan_lines, spark_seconds

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RECORDS_PER_SUBJECT = 10
SPARK_UP_TO = 10_000_000  # Spark cluster runs at these sizes (the 1M to 10M curve)
INCREMENTAL_AT = 10_000_000  # one new record to an updated score, on this size's workspace
INCREMENTAL_POSTS = 1000  # p99 is then the tenth slowest, not the third
INCREMENTAL_LINKS = 1_000_000  # then again with as many identity links in the catalog
END = "2026-11-01"
console = Console()
SERVICE_SECTION = ROOT / "bench" / "service_latency.md"
RESOLVE_RESULTS = ROOT / "bench" / "resolve_bench.json"


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
    console.print(f"[bold]{records:,}[/] records: ingest floor (hand-written DuckDB statements)")
    result["ingest_floor"] = _phase("ingest_floor", str(folder), str(WORK / f"floor-{records}"))
    shutil.rmtree(WORK / f"floor-{records}", ignore_errors=True)
    console.print(f"[bold]{records:,}[/] records: full rescore")
    result["score"] = _phase("score", str(ws), END)
    console.print(f"[bold]{records:,}[/] records: floor (hand-written DuckDB aggregate)")
    result["floor"] = _phase("floor", str(ws), END)
    result["ratio_to_floor"] = round(result["score"]["seconds"] / result["floor"]["seconds"], 2)
    if records <= SPARK_UP_TO:
        console.print(f"[bold]{records:,}[/] records: the same ingest on a Spark cluster")
        spark_ws = WORK / f"spark-ingest-{records}"
        shutil.rmtree(spark_ws, ignore_errors=True)
        result["spark_ingest"] = _phase("spark_ingest", str(folder), str(spark_ws))
        shutil.rmtree(spark_ws, ignore_errors=True)
        console.print(f"[bold]{records:,}[/] records: the same rescore on a Spark cluster")
        result["spark"] = _phase("spark", str(ws), END)
    if records == INCREMENTAL_AT:
        console.print(
            f"[bold]{records:,}[/] records: {INCREMENTAL_POSTS} new records posted one by one"
        )
        result["incremental"] = _phase("incremental", str(ws), END, str(INCREMENTAL_POSTS))
        console.print(f"[bold]{records:,}[/] records: the same with {INCREMENTAL_LINKS:,} links")
        result["incremental_links"] = _phase(
            "incremental", str(ws), END, str(INCREMENTAL_POSTS), str(INCREMENTAL_LINKS)
        )
    shutil.rmtree(ws, ignore_errors=True)
    console.print(result)
    return result


def run_service_latency(seconds: int) -> None:
    """The service benchmark, in its own processes, on a DuckDB run's results and on a Spark
    run's files; their Markdown sections are kept for the report."""
    sections = []
    for engine in ("duckdb", "spark"):
        console.print(f"service: organisation lookups, 50 clients, {seconds} s per run ({engine})")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "bench.service_latency", "--seconds", str(seconds),
             "--engine", engine],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"service benchmark failed:\n{done.stderr[-4000:]}")
        sections.append(done.stdout.strip())
    SERVICE_SECTION.write_text("\n\n".join(sections) + "\n", encoding="utf-8")


def run_resolution() -> None:
    """Linkage quality on the generated city and throughput at 1M x 1M (bench/resolve_bench.py)."""
    console.print("resolution: quality on a generated city, throughput 1M rows x 1M subjects")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.resolve_bench", "--work", str(WORK / "resolve")],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"resolution benchmark failed:\n{done.stderr[-4000:]}")
    RESOLVE_RESULTS.write_text(done.stdout, encoding="utf-8")


def _resolution_section(data: dict[str, Any]) -> list[str]:
    lines = ["## Resolution (Splink on DuckDB)", ""]
    quality = data.get("quality")
    if quality:
        dup = quality["duplicates"]
        lines.append(
            f"Generated city of {quality['people']:,} people and {quality['organizations']:,} "
            f"organisations (seed {quality['seed']}): {quality['rows_to_resolve']:,} rows without "
            f"a code; {quality['linked']:,} linked ({quality['correct']:,} to the right subject), "
            f"{quality['review']:,} left for review. **Precision {quality['precision']:.4f}** "
            f"(goal at least 0.995), **recall {quality['recall']:.4f}** (goal at least 0.97). "
            f"Copies of one record held at two levels: {dup['voided']} voided of {dup['true']} "
            f"in the ground truth, {dup['correct']} of them right. Resolution took "
            f"{quality['seconds']['resolve']} s."
        )
    throughput = data.get("throughput")
    if throughput and "seconds" in throughput:
        rate = throughput["rows"] / throughput["seconds"] if throughput["seconds"] else 0
        lines += [
            "",
            f"Throughput: {throughput['rows']:,} code-less rows against a registry of "
            f"{throughput['subjects']:,} subjects matched (normalise, train, score, decide) in "
            f"**{throughput['seconds']} s** ({rate:,.0f} rows/s), peak memory "
            f"{throughput.get('peak_mb', '?'):,} MB (goal: under 600 s).",
        ]
        for kind, part in throughput.get("kinds", {}).items():
            lines.append(
                f"- {kind}: {part['rows']:,} rows, {part['linked']:,} linked "
                f"(precision {part['precision']:.4f}, recall {part['recall']:.4f}), "
                f"{part['review']:,} left for review, {part['seconds']} s."
            )
        lines.append(
            "At a million people drawn from a handful of surnames, many share a name, a birth "
            "date and a district; those rows go to review rather than to a guess, which is what "
            "holds recall there below the city's."
        )
    return [*lines, ""]


def _observations(results: list[dict[str, Any]]) -> list[str]:
    """What the figures say, written from the figures so it cannot go stale."""
    lines = []
    for r in results:
        if r["ratio_to_floor"] > 2:
            lines.append(
                f"- At {r['records']:,} records the rescore takes {r['ratio_to_floor']:.2f}x the "
                "floor (goal: 2x). Besides the scores the floor computes, it writes every score "
                "line with its rank, the rating points, the black and red listings, the measures "
                "and the run's digest, in a dozen materialised steps whose cost does not shrink "
                "with the data as fast as one aggregate's; the ratio falls as the data grows."
            )
        if r["ingest"]["peak_rss_mb"] > 8000:
            lines.append(
                f"- Ingest of {r['records']:,} records peaked at "
                f"{r['ingest']['peak_rss_mb']:,} MB: "
                "de-duplicating every record id of one file in a single pass; splitting that step "
                "by id prefix would bound it."
            )
    return lines


def _ingest(results: list[dict[str, Any]]) -> list[str]:
    """Ingest against the hand-written floor (``bench/ingest_floor.py``) on the same files."""
    runs = [r for r in results if r.get("ingest_floor")]
    if not runs:
        return []
    lines = [
        "## Ingest against a hand-written floor",
        "",
        "`credence ingest` of the benchmark files (checks, quarantine, content-hash ids, "
        "de-duplication against the workspace, batches sorted by subject, the catalog commit) "
        "against hand-written DuckDB statements doing the same checks and writing the same "
        "records sorted by subject (`bench/ingest_floor.py`), on the same files in the same run. "
        "`ids equal`: both produced the same set of record ids.",
        "",
        "| records | ingest s | floor s | ratio | ingest rows/s/core | ingest peak MB "
        "| floor peak MB | ids equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        ing, flo = r["ingest"], r["ingest_floor"]
        ratio = ing["seconds"] / flo["seconds"] if flo["seconds"] else 0
        per_core = r["records"] / ing["seconds"] / (os.cpu_count() or 1) if ing["seconds"] else 0
        same = "yes" if ing.get("id_digest") == flo.get("id_digest") else "no"
        lines.append(
            f"| {r['records']:,} | {ing['seconds']:.1f} | {flo['seconds']:.1f} | {ratio:.2f} | "
            f"{per_core:,.0f} | {ing['peak_rss_mb']:,} | {flo['peak_rss_mb']:,} | {same} |"
        )
    lines += ["", "Goal (issue 16): within 1.5x of the floor; 100M rows under 4 GB.", ""]
    return [*lines, *_spark_ingest(results)]


def _spark_ingest(results: list[dict[str, Any]]) -> list[str]:
    """The same files ingested on a Spark cluster of two one-core workers, beside DuckDB's."""
    runs = [r for r in results if r.get("spark_ingest")]
    if not runs:
        return []
    lines = [
        "### The same ingest on Spark",
        "",
        "`credence ingest --engine spark` of the same files on a standalone cluster of two "
        "one-core workers started for it on this machine (the executors read, check and write; "
        "the catalog commits). Job seconds leave out the application's start-up, shown apart. "
        "Rows/s per core: records / job seconds / the executors' cores (Spark) or the machine's "
        "cores (DuckDB). `ids equal`: the same set of record ids as the DuckDB ingest.",
        "",
        "| records | Spark job s | start-up s | Spark rows/s/core | DuckDB s | DuckDB rows/s/core "
        "| Spark / DuckDB | ids equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        sp, ing = r["spark_ingest"], r["ingest"]
        cores = sp.get("executor_cores", 2)
        spark_rate = r["records"] / sp["job_seconds"] / cores if sp["job_seconds"] else 0
        duck_rate = r["records"] / ing["seconds"] / (os.cpu_count() or 1) if ing["seconds"] else 0
        slower = sp["job_seconds"] / ing["seconds"] if ing["seconds"] else 0
        same = "yes" if sp.get("id_digest") == ing.get("id_digest") else "no"
        lines.append(
            f"| {r['records']:,} | {sp['job_seconds']:.1f} | {sp['startup_seconds']:.1f} | "
            f"{spark_rate:,.0f} | {ing['seconds']:.1f} | {duck_rate:,.0f} | {slower:.2f}x | "
            f"{same} |"
        )
    return [*lines, ""]


def _incremental(results: list[dict[str, Any]]) -> list[str]:
    """One new record to an updated score: the service's path, timed post by post."""
    runs = [r for r in results if r.get("incremental")]
    if not runs:
        return []
    lines = [
        "## One new record to an updated score",
        "",
        "Each new record is one operator `POST /operator/records` to the service app, served by "
        "uvicorn on a local socket and sent by an HTTP client in the same process: the row is "
        "checked and ingested as its own batch (kept inline in the catalog), its subject "
        "rescored incrementally, both audit entries written, all in one transaction, and the "
        "answer sent. Latency is the POST's wall time at the client; the first few posts (which "
        "build the results tables' subject indexes) are left out. The baseline is a full rescore "
        "of the same workspace right after, which must give the same results digest as the last "
        "incremental run. The second run adds identity links to the catalog first, spread over "
        "every subject (as resolution leaves them, for code-less records not held here), so "
        "each post also finds its subject's links.",
        "",
        "| records | posts | p50 ms | p95 ms | p99 ms | max ms | full rescore s | full / p99 "
        "| digest equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    measured = [i for r in runs for i in (r["incremental"], r.get("incremental_links")) if i]
    for r in runs:
        for i in (r["incremental"], r.get("incremental_links")):
            if not i:
                continue
            ratio = i["full_rescore_s"] * 1000 / i["p99_ms"] if i["p99_ms"] else 0
            size = f"{r['records']:,}" + (f" + {i['links']:,} links" if i.get("links") else "")
            lines.append(
                f"| {size} | {i['posts']} | {i['p50_ms']} | {i['p95_ms']} | {i['p99_ms']} "
                f"| {i['max_ms']} | {i['full_rescore_s']} | {ratio:,.0f}x "
                f"| {'yes' if i['digest_equal'] else 'NO'} |"
            )
    worst = max(i["p99_ms"] for i in measured)
    verdict = "met" if worst < 50 else "not met"
    lines += ["", f"Goal (issue 6): under 50 ms at p99 on a 10M-record workspace: {verdict}.", ""]
    return lines


def _scaling(results: list[dict[str, Any]]) -> list[str]:
    """Throughput per core of the full rescore on each engine, and a plan for a nation from it."""
    cores = os.cpu_count() or 1
    lines = [
        "## Scaling curve (full rescore, records per second per core)",
        "",
        "DuckDB embedded on all cores; Spark on a standalone cluster of two one-core workers on "
        "the same machine (`credence cluster start --workers 2 --cores 1`), its job timed from "
        "a running application (start-up, the application and its executors, apart), results "
        "written by the executors as Parquet.",
        "",
        "| records | DuckDB s | DuckDB records/s/core | Spark job s | Spark start-up s | "
        "Spark records/s/core | DuckDB / Spark per core |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        duck = r["records"] / r["score"]["seconds"] / cores
        spark = r.get("spark")
        spark_rate = (
            r["records"] / spark_seconds(spark) / spark.get("executor_cores", 2) if spark else None
        )
        if spark and spark_rate:
            start = spark.get("startup_seconds")
            lines.append(
                f"| {r['records']:,} | {r['score']['seconds']:.1f} | {duck:,.0f} | "
                f"{spark_seconds(spark):.1f} | {'—' if start is None else f'{start:.1f}'} | "
                f"{spark_rate:,.0f} | {duck / spark_rate:.1f}x |"
            )
        else:
            lines.append(
                f"| {r['records']:,} | {r['score']['seconds']:.1f} | {duck:,.0f} | — | — | — | — |"
            )
    compared = [r for r in results if r.get("spark") and "digest" in r["score"]]
    if compared:
        same = [r["records"] for r in compared if r["spark"].get("digest") == r["score"]["digest"]]
        sizes = ", ".join(f"{n:,}" for n in same) or "none"
        lines += ["", f"Spark's results digest equals DuckDB's at: {sizes} records (the "
                  "differential test compares them table by table)."]  # fmt: skip
        counted = [r for r in compared if "shuffles" in r["spark"]]
        if counted:
            lines += ["", "Shuffles in the whole Spark job (exchanges read from its executed "
                      "plans): " + ", ".join(f"{r['spark']['shuffles']} at {r['records']:,} "
                                             "records" for r in counted) + "."]  # fmt: skip
    staged = [r for r in results if r.get("spark", {}).get("stages")]
    if staged:
        largest = staged[-1]
        lines += [
            "",
            f"Where the Spark job's time goes at {largest['records']:,} records (from Spark's "
            "event log: stages grouped by the step whose job ran them; wall time of the stages, "
            "executors' CPU and garbage-collection time, bytes written to the shuffle and "
            "spilled to disk):",
            "",
            "| step | stages | tasks | wall s | executor CPU s | GC s | shuffle MB | spill MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {row['step']} | {row['stages']} | {row['tasks']} | {row['wall_s']:.2f} | "
                f"{row['cpu_s']:.2f} | {row.get('gc_s', 0):.2f} | {row['shuffle_mb']:.1f} | "
                f"{row.get('spill_mb', 0):.1f} |"
                for row in largest["spark"]["stages"]
            ),
        ]
    resolution = json.loads(RESOLVE_RESULTS.read_text()) if RESOLVE_RESULTS.exists() else {}
    lines += ["", *plan_lines(results, resolution, cores)]
    return [*lines, ""]


def _report(results: list[dict[str, Any]]) -> str:
    cpu = os.cpu_count()
    lines = [
        "# Benchmarks",
        "",
        f"Latest `make bench` run: {date.today().isoformat()}, on {cpu} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"DuckDB memory limit 6 GB (3 GB for the ingest). Each phase runs in its own process; "
        "peak memory is that "
        "process's maximum resident set size.",
        "",
        "The data: `subjects` valid codes (10% organisations), one scoring consent per person, "
        "the rest of the records drawn over ten years across the starter ruleset's kinds and "
        "a few kinds no rule uses, with a heavy tail of subjects. The **full rescore** is "
        "`credence score` (ruleset `credence-starter`): every subject's score, grade, score "
        "lines, rating points, black and red listings and measures. The **floor** is a "
        "hand-written DuckDB aggregate that computes the same scores (every subject, people "
        "only with consent, windows, caps, amounts, attributes) straight from the records and "
        "nothing else, run on the same workspace right after the rescore. `ratio` is rescore "
        "time over floor time from the same run (goal: at most 2); `mismatches` counts subjects "
        "whose floor score differs from the plan's (must be 0).",
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
    lines += ["", *_observations(results), "", *_ingest(results), *_incremental(results)]
    lines += _scaling(results)
    lines += [
        "",
        "Goals (issue: city pilot): full rescore within 2x of the floor; 100M records scored "
        "with peak memory under 8 GB.",
        "",
        "Reproduce: `make bench` (all sizes) or `.venv/bin/python -m bench.run --sizes 1M`.",
        "",
    ]
    if RESOLVE_RESULTS.exists():
        lines += _resolution_section(json.loads(RESOLVE_RESULTS.read_text(encoding="utf-8")))
    if SERVICE_SECTION.exists():
        lines += [SERVICE_SECTION.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1M,10M,100M", help="record counts, e.g. 1M,10M")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from bench/results.json"
    )
    parser.add_argument("--service-seconds", type=int, default=20, help="0 skips the service run")
    parser.add_argument("--skip-resolve", action="store_true", help="skip the resolution run")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    store = ROOT / "bench" / "results.json"
    previous = json.loads(store.read_text()) if store.exists() else []
    fresh = (
        []
        if args.report_only
        else [run_scale(_parse_size(s)) for s in args.sizes.split(",") if s.strip()]
    )
    merged = {r["records"]: r for r in [*previous, *fresh]}  # a rerun replaces its size only
    results = [merged[k] for k in sorted(merged)]
    store.write_text(json.dumps(results, indent=2) + "\n")
    if not args.report_only and args.service_seconds > 0:
        run_service_latency(args.service_seconds)
    if not args.report_only and not args.skip_resolve:
        run_resolution()
    Path(args.out).write_text(_report(results), encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
