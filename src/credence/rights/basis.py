"""What the rights are judged against: the ruleset, day and results of the current scoring run.

Rescoring lives here too, in one function: incremental for the subjects a change touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.incremental import Subject, rescore_subjects
from credence.runs.results import NO_RESULTS, RunResults
from credence.runs.score import ScoreRun, score_workspace
from credence.store import Workspace
from credence.store.rulesets import stored_ruleset


@dataclass(frozen=True)
class Basis:
    """The ruleset and day the current results were computed under, and those results."""

    ruleset: Ruleset
    as_of: date
    run_id: str | None
    ruleset_hash: str | None
    results: RunResults = field(default=NO_RESULTS)


def current_basis(con: duckdb.DuckDBPyConnection, today: date) -> Basis:
    """The current run's ruleset, day and results; the packaged ruleset, ``today`` and no
    results before any."""
    run = results.current(con)
    if run is None:
        return Basis(load_ruleset(default_ruleset_path()), today, None, None)
    digest = run.ruleset_hash
    return Basis(stored_ruleset(con, digest), run.as_of, run.run_id, digest, run)


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
