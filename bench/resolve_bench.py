"""Resolution benchmark: quality against the generated city's ground truth, and throughput.

    python -m bench.resolve_bench --people 20000 --organizations 2000 \\
        --subjects 1000000 --rows 1000000

*Quality*: a city is generated, ingested and resolved (``credence resolve`` end to end), and the
links are compared with ``truth/links.csv`` (precision, recall) and the voided copies with
``truth/duplicates.csv``. *Throughput*: a registry of ``--subjects`` (nine people in ten) and
``--rows`` code-less rows spelt as the older sources spell them (traffic-police rows for people,
market-regulator rows for firms) are matched as ``credence resolve`` matches them (normalise,
train, score, decide), each phase timed, in a process of its own so its peak memory is its own;
the rows know their true subject, so quality is measured at that size too. Writing the links
is not in the throughput figure (see the report's ``link_writing``). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "resolve"
END = date(2026, 6, 30)
PERSON_SHARE = 0.9


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def quality(people: int, organizations: int, seed: int, work: Path) -> dict[str, Any]:
    """Generate, ingest and resolve a city; compare links and voided copies with the truth."""
    from credence.ingest.mapping import load_mapping
    from credence.ingest.pipeline import ingest_file
    from credence.resolve.evaluate import link_quality
    from credence.resolve.pipeline import load_configs, resolve_workspace
    from credence.store import Workspace
    from credence.synth import generate_city

    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    city = generate_city(work / "city", people, organizations, seed, END)
    ws = Workspace.init(work / "ws")
    for entry in city.sources:
        ingest_file(ws, city.path(entry.file), load_mapping(city.path(entry.mapping)))
    prepared = time.perf_counter() - started
    configs = load_configs([city.path(f) for e in city.sources for f in e.resolve])
    assert city.registry is not None
    report = resolve_workspace(ws, configs, city.path(city.registry))
    with (city.root / "truth" / "links.csv").open(encoding="utf-8") as handle:
        truth = {(r["source"], int(r["row"])): r["code"] for r in csv.DictReader(handle)}
    with (city.root / "truth" / "duplicates.csv").open(encoding="utf-8") as handle:
        copies = {(r["source"], int(r["row"])): (r["of_source"], int(r["of_row"]))
                  for r in csv.DictReader(handle)}  # fmt: skip
    con = ws.connect()
    try:
        found = link_quality(con, truth)
        voided = {
            (s, int(n)): (ks, int(kn)) for s, n, ks, kn in con.execute(
                "SELECT r.source, r.row_number, k.source, k.row_number FROM resolve_duplicates d "
                "JOIN records r ON r.record_id = d.record_id "
                "JOIN records k ON k.record_id = d.kept_record_id").fetchall()
        }  # fmt: skip
    finally:
        con.close()
    return {
        "people": people, "organizations": organizations, "seed": seed,
        "rows_to_resolve": found.rows, "linked": found.linked, "correct": found.correct,
        "review": found.review, "precision": round(found.precision, 5),
        "recall": round(found.recall, 5), "wrong": found.wrong[:10],
        "by_source": found.by_source,
        "duplicates": {"true": len(copies), "voided": len(voided),
                       "correct": sum(copies.get(k) == v for k, v in voided.items())},
        "seconds": {"synth_and_ingest": round(prepared, 1), "resolve": report.seconds},
        "sources": [{"source": s.source, "rows": s.rows, "linked": s.linked,
                     "review": s.review, "em_rules": s.em_rules, "phases": s.phases}
                    for s in report.sources],
    }  # fmt: skip


def generate(subjects: int, rows: int, seed: int, folder: Path) -> dict[str, Any]:
    """Write the registry and the code-less rows (with their true subject) as Parquet."""
    from credence.synth.justice import TRAFFIC
    from credence.synth.market import XISHAN_MARKET
    from credence.synth.population import make_population
    from credence.synth.resolving import registry_table, resolve_configs
    from credence.synth.variants import assign_former_names, hint_variant

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"resolve-bench:{seed}")
    people = int(subjects * PERSON_SHARE)
    population = make_population(rng, people, subjects - people, END)
    assign_former_names(rng, population)
    pq.write_table(registry_table(population), folder / "registry.parquet")
    columns: dict[str, list[Any]] = {c: [] for c in (
        "record_id", "subject_kind", "truth", "name", "birth_date", "legacy_id", "address",
        "district")}  # fmt: skip
    for number in range(rows):
        person = rng.random() < PERSON_SHARE
        subject = rng.choice(population.people if person else population.organizations)
        hints = ("name", "birth_date", "district") if person else (
            "name", "legacy_id", "address", "district")  # fmt: skip
        columns["record_id"].append(f"R{number:09d}")
        columns["subject_kind"].append(subject.kind)
        columns["truth"].append(subject.code)
        for hint in ("name", "birth_date", "legacy_id", "address", "district"):
            value = getattr(subject, hint, None) if hint in hints else None
            if hint in hints:
                value = hint_variant(rng, hint, subject, None if value is None else str(value))
            columns[hint].append(value)
    pq.write_table(pa.table(columns), folder / "rows.parquet")
    configs = {
        kind: config
        for spec in (TRAFFIC, XISHAN_MARKET)
        for (_file, config) in resolve_configs(spec)
        for kind in [config["subject_kind"]]
    }
    (folder / "configs.json").write_text(json.dumps(configs, ensure_ascii=False))
    return {"seconds": round(time.perf_counter() - started, 1), "peak_mb": _peak_mb()}


def match(folder: Path) -> dict[str, Any]:
    """Match the rows against the registry as ``credence resolve`` does, phase by phase."""
    from credence.resolve.config import LinkConfig
    from credence.resolve.features import Normaliser
    from credence.resolve.matching import match_rows

    registry = pq.read_table(folder / "registry.parquet")
    registry = registry.rename_columns(["subject_code", "subject_kind", *registry.column_names[2:]])
    rows = pq.read_table(folder / "rows.parquet")
    configs = json.loads((folder / "configs.json").read_text())
    started = time.perf_counter()
    norm = Normaliser()
    result: dict[str, Any] = {"kinds": {}}
    for kind, data in configs.items():
        config = LinkConfig.model_validate(data)
        mine = rows.filter(pc.equal(rows.column("subject_kind"), kind))
        theirs = registry.filter(pc.equal(registry.column("subject_kind"), kind))
        began = time.perf_counter()
        matched = match_rows(config, mine, theirs, norm=norm, temp_dir=folder / "tmp")
        truth = dict(zip(mine.column("record_id").to_pylist(), mine.column("truth").to_pylist(),
                         strict=True))  # fmt: skip
        linked = [d for d in matched.decisions if d.outcome == "link"]
        correct = sum(truth[d.left_id] == d.candidates[0].right_id for d in linked)
        result["kinds"][kind] = {
            "rows": mine.num_rows, "registry": theirs.num_rows, "pairs_scored": matched.pairs,
            "linked": len(linked), "correct": correct,
            "review": sum(d.outcome == "review" for d in matched.decisions),
            "precision": round(correct / len(linked), 5) if linked else 1.0,
            "recall": round(correct / mine.num_rows, 5) if mine.num_rows else 1.0,
            "em_rules": matched.training.em_rules if matched.training else [],
            "phases": matched.phases, "seconds": round(time.perf_counter() - began, 1),
        }  # fmt: skip
    seconds = time.perf_counter() - started
    result.update(seconds=round(seconds, 1), rows_per_second=round(rows.num_rows / seconds),
                  peak_mb=_peak_mb())  # fmt: skip
    return result


def _in_process(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench.resolve_bench", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def throughput(subjects: int, rows: int, seed: int, work: Path = WORK) -> dict[str, Any]:
    """Generate (once) and match in processes of their own; the match's figures."""
    folder = work / f"scale-{subjects}-{rows}-{seed}"
    generated = None
    if not (folder / "configs.json").exists():
        generated = _in_process("generate", str(subjects), str(rows), str(seed), str(folder))
    matched = _in_process("match", str(folder))
    return {
        "subjects": subjects,
        "rows": rows,
        "generate": generated,
        **matched,
        "goal": "1M rows against a 1M-subject registry in under 600 s",
    }


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "generate":
        print(json.dumps(generate(int(args[1]), int(args[2]), int(args[3]), Path(args[4]))))
        return
    if args and args[0] == "match":
        print(json.dumps(match(Path(args[1]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--organizations", type=int, default=2_000)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=WORK, help="Folder for generated data.")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    options = parser.parse_args(args)
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    if not options.skip_quality:
        report["quality"] = quality(
            options.people,
            options.organizations,
            options.seed,
            options.work / f"city-{options.people}-{options.seed}",
        )
    if not options.skip_throughput:
        report["throughput"] = throughput(options.subjects, options.rows, options.seed,
                                          options.work)  # fmt: skip
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
