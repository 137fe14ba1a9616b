"""Drawing the organisations to inspect, and pairing each with an inspector.

Each organisation's weight is its inspection rate: the highest ``inspection_rate`` of the
measures its lists bring (black list 0.98, red list 0.005 in the starter ruleset), else of the
measures its grade brings, else ``DEFAULT_BASE_RATE``. The plan draws ``size`` of them without
replacement, with chance proportional to the weight (Efraimidis-Spirakis keys from
``random.Random(seed)`` over the organisations in code order), then deals the inspectors out
evenly in a random order. The same workspace and seed give the same plan.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from credence.errors import CredenceError
from credence.inspection.models import InspectionPlan, PlanItem
from credence.runs import results
from credence.runs.results import RunResults
from credence.store.names import names_for

DEFAULT_BASE_RATE = 0.05
MAX_SIZE = 100_000
MAX_INSPECTORS = 10_000

_CANDIDATES = """
SELECT s.subject_code, s.grade FROM {scores} s
WHERE s.subject_kind = 'organization' ORDER BY s.subject_code
"""


def inspection_rate(measures: Iterable[tuple[str, dict[str, Any]]], base: float) -> float:
    """The rate from (via, effect) pairs: lists decide first, then the grade, then ``base``."""
    by_source: dict[str, list[float]] = defaultdict(list)
    for via, effect in measures:
        value = effect.get("inspection_rate")
        if isinstance(value, int | float) and not isinstance(value, bool):
            by_source["list" if via.startswith("list:") else "grade"].append(float(value))
    for source in ("list", "grade"):
        if by_source[source]:
            return max(by_source[source])
    return base


def inspectors_from(spec: str) -> list[str]:
    """Inspectors from a count (``12`` gives inspector-01 … inspector-12) or a file of names."""
    text = spec.strip()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= MAX_INSPECTORS:
            raise CredenceError(f"the number of inspectors must be 1 to {MAX_INSPECTORS}")
        return [f"inspector-{i:0{len(str(count)) + 1}d}" for i in range(1, count + 1)]
    path = Path(text)
    if not path.is_file():
        raise CredenceError(f"inspectors: {spec!r} is neither a number nor a file of names")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return check_inspectors([n for n in names if n and not n.startswith("#")])


def check_inspectors(names: list[str]) -> list[str]:
    unique = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not unique:
        raise CredenceError("a plan needs at least one inspector")
    if len(unique) > MAX_INSPECTORS:
        raise CredenceError(f"at most {MAX_INSPECTORS} inspectors")
    return unique


def _measures(
    con: duckdb.DuckDBPyConnection, run: RunResults
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    rows = con.execute(
        run.sql(
            "SELECT subject_code, via, effect FROM {subject_measures} "
            "WHERE subject_kind = 'organization'"
        )
    ).fetchall()
    found: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for code, via, effect in rows:
        found[str(code)].append((str(via), json.loads(effect) if effect else {}))
    return found


def draw_plan(
    con: duckdb.DuckDBPyConnection,
    size: int,
    seed: int,
    inspectors: list[str],
    as_of: date,
    created_by: str,
    base_rate: float = DEFAULT_BASE_RATE,
    run: RunResults | None = None,
) -> InspectionPlan:
    """Draw a plan from the organisations of a scoring run (the current one unless given; the
    plan is not stored yet)."""
    if not 1 <= size <= MAX_SIZE:
        raise CredenceError(f"a plan's size must be 1 to {MAX_SIZE}, not {size}")
    if not 0 < base_rate <= 1:
        raise CredenceError(f"the base rate must be in (0, 1], not {base_rate}")
    team = check_inspectors(inspectors)
    run = run or results.require_current(con)
    rng = random.Random(seed)
    measures = _measures(con, run)
    keyed = []
    candidates = con.execute(run.sql(_CANDIDATES)).fetchall()
    names = names_for(con, [("organization", str(code)) for code, _ in candidates])
    for code, grade in candidates:
        name = names.get(("organization", str(code)))
        rate = inspection_rate(measures.get(code, []), base_rate)
        key = math.log(1.0 - rng.random()) / rate  # Efraimidis-Spirakis, in log form
        keyed.append((key, str(code), name, grade, rate))
    keyed.sort(key=lambda item: (-item[0], item[1]))
    chosen = keyed[:size]
    dealt = [team[i % len(team)] for i in range(len(chosen))]
    rng.shuffle(dealt)
    items = []
    for position, (entry, inspector) in enumerate(zip(chosen, dealt, strict=True), start=1):
        _, code, name, grade, rate = entry
        lists = {via.split(":")[1] for via, _ in measures.get(code, []) if via.startswith("list:")}
        items.append(
            PlanItem(
                position=position,
                subject_code=code,
                name=name,
                grade=grade,
                rate=rate,
                lists=sorted(lists),
                inspector=inspector,
            )
        )
    return InspectionPlan(
        plan_id="P-" + uuid.uuid4().hex[:12],
        created_at=datetime.now(UTC),
        created_by=created_by,
        as_of=as_of,
        seed=seed,
        size=size,
        candidates=len(keyed),
        base_rate=base_rate,
        published_at=None,
        items=items,
    )
