"""What every engine implements; everything else lives once above this seam.

``Engine.run(plan, inputs, sink)`` is the one way a plan runs: the engine reads the run inputs
(``store/inputs.py``), materialises the plan's steps, and hands each result table to the sink,
which is where the results seam (``runs/results.py``) keeps a run's results.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from credence.rules.compile import Plan
from credence.store.inputs import RunInputs

# (step name, steps done, steps in all): for progress bars.
StepProgress = Callable[[str, int, int], None]


class ResultSink(Protocol):
    """Where one run's result tables go (a run of the results seam, written aside): the
    catalog, or Parquet files (``store/results.py``)."""

    storage: str

    def catalog_table(self, result: str) -> str | None:
        """The catalog table an engine on the catalog's connection creates ``result`` as, or
        None when the results are kept elsewhere (then ``write_sql`` takes them)."""
        ...

    def write_sql(self, result: str, sql: str) -> None:
        """Keep the rows of a query on the catalog's connection as ``result``."""
        ...

    def write_arrow(self, result: str, rows: pa.Table) -> None:
        """Keep ``result`` computed elsewhere and handed over in memory."""
        ...

    def dataset_folder(self, result: str) -> Path:
        """Where an engine outside the catalog writes ``result`` itself, as a Parquet dataset
        (its executors write the files; nothing passes through the caller's memory)."""
        ...

    def dataset_partitions(self, parts: int) -> None:
        """Every dataset is written in ``parts`` partitions by subject, part ``i`` in the files
        ``part-<i>-*``, each subject in Spark's hash part (``store/layout.py``)."""
        ...

    def dataset_written(self, result: str) -> None:
        """``result``'s dataset is complete: the sink takes it."""
        ...

    def seal(self) -> None:
        """Every table is written: put the run in place, whole, for the catalog's commit."""
        ...


class Engine(Protocol):
    """A narrow seam (after splink): run a plan over a run's inputs into a sink."""

    name: str
    dialect: str

    def run(
        self,
        plan: Plan,
        inputs: RunInputs,
        sink: ResultSink,
        progress: StepProgress | None = None,
    ) -> None:
        """Materialise every step of ``plan`` over ``inputs``; hand each result to ``sink``."""
        ...

    def close(self) -> None:
        """Release what the engine holds (a session it made)."""
        ...
