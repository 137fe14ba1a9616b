"""The city pilot end to end: generate a city, ingest every source, score, pick examples.

This is the platform's main job on the embedded default; ``credence demo`` renders its result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import IngestReport, ingest_file
from credence.resolve.pipeline import ResolveReport, load_configs, resolve_workspace
from credence.rulebook import write_rulebook
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.reports import grade_distribution, ingest_totals, list_counts
from credence.runs.score import ScoreRun, score_workspace
from credence.runs.subject_file import SubjectFile, subject_file
from credence.store import Workspace
from credence.synth.city import generate_city

# (what is happening, rows done, rows total or None)
DemoProgress = Callable[[str, int, int | None], None]

SOURCES_DIR = "sources"
RULEBOOK_DIR = "rulebook"


@dataclass
class DemoResult:
    workspace: Path
    city_dir: Path
    ruleset: Ruleset
    as_of: date
    reports: list[IngestReport]
    run: ScoreRun
    ingest: dict[str, Any]
    grades: dict[str, list[tuple[str, int]]]
    lists: list[tuple[str, str, str, int]]
    examples: list[tuple[str, SubjectFile]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    rulebook: list[Path] = field(default_factory=list)
    resolution: ResolveReport | None = None


_EXAMPLES = (
    (
        "an organisation on the black list",
        "SELECT subject_code FROM {listings} WHERE list_name = 'black' AND state = 'published' "
        "AND subject_kind = 'organization' ORDER BY published_on DESC, subject_code LIMIT 1",
    ),
    (
        "a person with the most score lines",
        "SELECT subject_code FROM {score_lines} WHERE subject_kind = 'person' "
        "GROUP BY subject_code ORDER BY COUNT(*) DESC, subject_code LIMIT 1",
    ),
    (
        "an organisation on the red list",
        "SELECT subject_code FROM {listings} WHERE list_name = 'red' "
        "AND subject_kind = 'organization' ORDER BY subject_code LIMIT 1",
    ),
)


def run_demo(
    root: Path,
    people: int,
    organizations: int,
    seed: int,
    as_of: date,
    progress: DemoProgress | None = None,
    resolve: bool = True,
) -> DemoResult:
    """Synthesise, ingest, score and summarise a city in the workspace ``root``."""
    say = progress or (lambda what, done, total: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    city_dir = root / SOURCES_DIR
    say("generating the city", 0, None)
    manifest = generate_city(city_dir, people, organizations, seed, as_of)
    timings["synth"] = time.perf_counter() - started

    ws = Workspace.init(root)
    reports = []
    started = time.perf_counter()
    for entry in manifest.sources:
        mapping = load_mapping(manifest.path(entry.mapping))

        def step(done: int, total: int | None, name: str = entry.source) -> None:
            say(f"ingesting {name}", done, total)

        reports.append(ingest_file(ws, manifest.path(entry.file), mapping, progress=step))
    timings["ingest"] = time.perf_counter() - started

    resolution = None
    configs = load_configs([manifest.path(f) for e in manifest.sources for f in e.resolve])
    if resolve and configs and manifest.registry:
        started = time.perf_counter()
        resolution = resolve_workspace(
            ws, configs, manifest.path(manifest.registry),
            progress=lambda what: say(f"resolving: {what}", 0, None),
        )  # fmt: skip
        timings["resolve"] = time.perf_counter() - started

    ruleset = load_ruleset(default_ruleset_path())
    started = time.perf_counter()
    run = score_workspace(
        ws, ruleset, as_of, progress=lambda name, done, total: say(f"scoring: {name}", done, total)
    )
    timings["score"] = time.perf_counter() - started

    con = ws.connect()
    try:
        scored = results.require_current(con)
        result = DemoResult(
            workspace=root,
            city_dir=city_dir,
            ruleset=ruleset,
            as_of=as_of,
            reports=reports,
            run=run,
            ingest=ingest_totals(con),
            grades=grade_distribution(con, ruleset, scored),
            lists=list_counts(con, scored),
            seconds=timings,
            resolution=resolution,
        )
        for label, query in _EXAMPLES:
            row = con.execute(scored.sql(query)).fetchone()
            if row:
                result.examples.append((label, subject_file(con, str(row[0]), ruleset, as_of)))
    finally:
        con.close()
    result.rulebook = write_rulebook(ruleset, root / RULEBOOK_DIR)
    return result
