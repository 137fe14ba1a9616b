"""Match rows against the registry: normalise both sides, score blocked pairs, decide.

This is resolution without the workspace around it (no links written, no queue), so the
benchmark measures exactly what ``credence resolve`` runs, at any size.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from credence.resolve.backends import Backend
from credence.resolve.config import LinkConfig
from credence.resolve.decide import FLOOR, Decision, decide
from credence.resolve.features import Normaliser, side_table
from credence.resolve.linker import LinkSession, Training
from credence.resolve.registry import COLUMNS

ROW_ID = "record_id"
ROW_KIND = "subject_kind"


class Clock:
    """Seconds spent in each phase, written into ``phases`` as they pass."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.last, 3)
        self.last = now


@dataclass
class Matched:
    """Decisions for every row with a candidate, and the model that made them."""

    decisions: list[Decision]
    model: dict[str, Any]
    training: Training | None  # None: a stored model was used as it was
    pairs: int
    phases: dict[str, float] = field(default_factory=dict)


def hint_columns(config: LinkConfig) -> list[str]:
    """The row columns (hints) a config reads."""
    named = [c for spec in config.fields for c in (*spec.left_columns, *spec.left_also)]
    return list(dict.fromkeys(named))


def _columns(table: pa.Table, names: Iterable[str]) -> dict[str, list[Any]]:
    return {n: table.column(n).to_pylist() for n in names if n in table.column_names}


def match_rows(
    config: LinkConfig,
    rows: pa.Table,
    registry: pa.Table,
    refused: Iterable[tuple[str, str]] = (),
    model: dict[str, Any] | None = None,
    norm: Normaliser | None = None,
    temp_dir: Path | None = None,
    backend: Backend | None = None,
) -> Matched:
    """Rows (``record_id``, ``subject_kind``, hint columns) against registry subjects (the
    registry's columns): train unless given a model, score (on ``backend``: DuckDB unless
    given), decide."""
    phases: dict[str, float] = {}
    clock = Clock(phases)
    norm = norm or Normaliser()
    left = side_table(
        config, "left", rows.column(ROW_ID).to_pylist(), _columns(rows, hint_columns(config)),
        rows.column(ROW_KIND).to_pylist(), norm,
    )  # fmt: skip
    right = side_table(
        config, "right", registry.column("subject_code").to_pylist(),
        _columns(registry, COLUMNS), registry.column("subject_kind").to_pylist(), norm,
    )  # fmt: skip
    clock.lap("normalise")
    training = None
    with LinkSession(config, left, right, model, temp_dir=temp_dir, backend=backend) as session:
        if model is None:
            training = session.train(u_from_right=True)
            model = session.model()
        clock.lap("train")
        pairs = session.predict(min(FLOOR, config.thresholds.review))
        clock.lap("predict")
    decisions = decide(pairs, config.thresholds, refused)
    clock.lap("decide")
    return Matched(decisions, model, training, pairs.num_rows, phases)
