"""What the rights are judged against: the ruleset and day of the last scoring run.

Rescoring lives here too, in one function: incremental for the subjects a change touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs.incremental import Subject, rescore_subjects
from credence.runs.score import ScoreRun, latest_run, score_workspace
from credence.store import Workspace
from credence.store.rulesets import stored_ruleset


@dataclass(frozen=True)
class Basis:
    """The ruleset and day the current results were computed under."""

    ruleset: Ruleset
    as_of: date
    run_id: str | None
    ruleset_hash: str | None


def current_basis(con: duckdb.DuckDBPyConnection, today: date) -> Basis:
    """The last scoring run's ruleset and day; the packaged ruleset and ``today`` before any."""
    run = latest_run(con)
    if run is None:
        return Basis(load_ruleset(default_ruleset_path()), today, None, None)
    digest = str(run["ruleset_hash"])
    as_of = run["as_of"]
    day = as_of if isinstance(as_of, date) else today
    return Basis(stored_ruleset(con, digest), day, str(run["run_id"]), digest)


def rescore(
    ws: Workspace,
    ruleset: Ruleset,
    day: date,
    subjects: Iterable[Subject] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ScoreRun:
    """Bring the results up to date after a decision or a new record.

    With the subjects a change touched, only their rows are rebuilt (equal to a full rescore by
    test; a full rescore when the last run was of another ruleset or day); without, everyone.
    """
    if subjects is not None:
        return rescore_subjects(ws, ruleset, day, subjects, con=con)
    return score_workspace(ws, ruleset, day)
