"""What every engine implements; everything else lives once above this seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from credence.rules.compile import Plan

# (step name, steps done, steps in all): for progress bars.
StepProgress = Callable[[str, int, int], None]


class Engine(Protocol):
    """A narrow seam (after splink): run a plan, run a query, fetch rows."""

    name: str
    dialect: str

    def run_plan(self, plan: Plan, progress: StepProgress | None = None) -> None:
        """Materialise every step of the plan as a table named after it."""

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""
