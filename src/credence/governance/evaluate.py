"""Evidence for a ruleset: how well its scores separate later outcomes, and whom they favour.

Every row of the outcomes file is accounted for: subjects the workspace does not know on the day,
and people not scored (no consent), are counted and reported, never dropped without a word.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from credence.governance.fairness import FOUR_FIFTHS, GroupFairness, GroupStats, fairness, top_half
from credence.governance.metrics import Separation, separation
from credence.governance.outcomes import OUTCOMES_TABLE, OutcomeFile, load_outcomes
from credence.governance.sandbox import UNKNOWN_DISTRICT, Sandbox, SandboxRun
from credence.rules.spec import Ruleset

_JOINED = "eval_joined"


@dataclass(frozen=True)
class GradeOutcome:
    grade: str
    subjects: int
    bad: int
    bad_rate: float | None


@dataclass(frozen=True)
class KindEvaluation:
    subject_kind: str
    separation: Separation
    grades: list[GradeOutcome]
    groups: list[GroupFairness]

    @property
    def flagged(self) -> list[str]:
        return [f"{g.group}: {flag}" for g in self.groups for flag in g.flags]


@dataclass(frozen=True)
class Evaluation:
    run: dict[str, str]
    file: str
    rows: int
    bad: int
    scored: int
    not_in_workspace: int
    not_scored: int
    group_source: str
    threshold: float
    kinds: list[KindEvaluation]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for kind, out in zip(self.kinds, data["kinds"], strict=True):
            out["separation"]["bad_rate"] = kind.separation.bad_rate
            out["flagged"] = kind.flagged
        data["flagged"] = [f"{k.subject_kind} {f}" for k in self.kinds for f in k.flagged]
        return data


def evaluate(
    sandbox: Sandbox,
    ruleset: Ruleset,
    as_of: date,
    outcomes: Path,
    group_column: str | None = None,
    threshold: float = FOUR_FIFTHS,
) -> Evaluation:
    """Score the sandbox under ``ruleset`` on ``as_of`` and measure it against ``outcomes``."""
    found = load_outcomes(sandbox.con, outcomes, group_column)
    run = sandbox.score(ruleset, as_of, "eval")
    _join(sandbox, run, found)
    con = sandbox.con
    scored, missing, unscored = con.execute(
        f"SELECT COUNT(*) FILTER (WHERE scored), COUNT(*) FILTER (WHERE subject_kind IS NULL), "
        f"COUNT(*) FILTER (WHERE NOT scored) FROM {_JOINED}"
    ).fetchone() or (0, 0, 0)
    kinds = [
        _kind(sandbox, ruleset, str(kind), threshold)
        for (kind,) in con.execute(
            f"SELECT DISTINCT subject_kind FROM {_JOINED} WHERE subject_kind IS NOT NULL "
            "ORDER BY subject_kind DESC"
        ).fetchall()
    ]
    source = f"column {found.group_column!r}" if found.group_column else "district (workspace)"
    return Evaluation(
        run=run.identity(),
        file=str(outcomes),
        rows=found.rows,
        bad=found.bad,
        scored=int(scored),
        not_in_workspace=int(missing),
        not_scored=int(unscored),
        group_source=source,
        threshold=threshold,
        kinds=kinds,
    )


def _join(sandbox: Sandbox, run: SandboxRun, found: OutcomeFile) -> None:
    """One row per outcome row, with what the run says of its subject (NULLs when unknown)."""
    group = "o.grp" if found.group_column else f"COALESCE(d.district, '{UNKNOWN_DISTRICT}')"
    sandbox.con.execute(f"""
        CREATE OR REPLACE TABLE {_JOINED} AS
        SELECT o.subject_code, o.outcome, s.subject_kind, s.scored, s.score, s.grade,
               COALESCE(l.black, false) AS black, COALESCE(l.red, false) AS red, {group} AS grp
        FROM {OUTCOMES_TABLE} AS o
        LEFT JOIN {run.table("scores")} AS s ON s.subject_code = o.subject_code
        LEFT JOIN {run.table("on_list")} AS l
          ON l.subject_kind = s.subject_kind AND l.subject_code = s.subject_code
        LEFT JOIN {sandbox.districts()} AS d
          ON d.subject_kind = s.subject_kind AND d.subject_code = s.subject_code""")


def _kind(sandbox: Sandbox, ruleset: Ruleset, kind: str, threshold: float) -> KindEvaluation:
    con = sandbox.con
    arrays = con.execute(
        f"SELECT outcome, score FROM {_JOINED} WHERE subject_kind = ? AND scored", [kind]
    ).fetchnumpy()
    split = separation(np.asarray(arrays["outcome"]), np.asarray(arrays["score"]))
    bands = [band.grade for band in ruleset.grades.for_kind(kind)]
    per_grade = {
        str(grade): (int(n), int(bad))
        for grade, n, bad in con.execute(
            f"SELECT grade, COUNT(*), SUM(outcome) FROM {_JOINED} "
            "WHERE subject_kind = ? AND scored GROUP BY grade",
            [kind],
        ).fetchall()
    }
    grades = []
    for band in bands:
        n, bad = per_grade.get(band, (0, 0))
        grades.append(GradeOutcome(band, n, bad, round(bad / n, 4) if n else None))
    return KindEvaluation(kind, split, grades, _groups(sandbox, kind, bands, threshold))


def _groups(sandbox: Sandbox, kind: str, bands: list[str], threshold: float) -> list[GroupFairness]:
    favourable = set(top_half(bands))
    stats: dict[str, dict[str, Any]] = {}
    rows = sandbox.con.execute(
        f"SELECT grp, grade, scored, black, red, COUNT(*), SUM(outcome) FROM {_JOINED} "
        "WHERE subject_kind = ? GROUP BY ALL",
        [kind],
    ).fetchall()
    for grp, grade, scored, black, red, n, bad in rows:
        acc = stats.setdefault(
            str(grp), {"n": 0, "scored": 0, "bad": 0, "black": 0, "red": 0, "top": 0, "grades": {}}
        )
        acc["n"] += n
        acc["bad"] += int(bad)
        acc["black"] += n if black else 0
        acc["red"] += n if red else 0
        if scored:
            acc["scored"] += n
            acc["top"] += n if grade in favourable else 0
            acc["grades"][str(grade)] = acc["grades"].get(str(grade), 0) + n
    groups = [
        GroupStats(
            group=name,
            subjects=acc["n"],
            scored=acc["scored"],
            bad=acc["bad"],
            grades={g: acc["grades"].get(g, 0) for g in bands},
            black=acc["black"],
            red=acc["red"],
            top_half=acc["top"],
        )
        for name, acc in sorted(stats.items())
    ]
    return fairness(groups, threshold)
