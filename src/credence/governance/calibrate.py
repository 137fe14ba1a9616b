"""Propose points per requirement from outcome data, as a new ruleset version to diff and review.

Each subject of the outcomes file is described by how many valid, counted lines it has per
requirement; a logistic regression (L2) of the bad outcome on those counts gives each requirement
a weight in log-odds, scaled so that ``pdo`` points double the odds (factor = pdo / ln 2,
points = −round(β × factor)). Requirements with too few subjects keep their points, and a weight
that would flip a requirement's sign is clamped to the smallest step of its original sign: the
data may adjust a rule, not turn a penalty into a reward.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

from credence.errors import CredenceError
from credence.governance.metrics import separation
from credence.governance.outcomes import OUTCOMES_TABLE, load_outcomes
from credence.governance.sandbox import Sandbox, SandboxRun
from credence.rules.loader import load_ruleset_text, ruleset_hash
from credence.rules.spec import Ruleset


@dataclass(frozen=True)
class ProposedPoints:
    requirement_id: str
    rating_id: str
    old_points: int
    points: int
    subjects_with_line: int
    coefficient: float | None  # log-odds of the bad outcome per counted line; None: not fitted
    model_points: int | None  # −round(β × factor) before the safeguards above
    note: str


@dataclass(frozen=True)
class Calibration:
    old: dict[str, str]
    new_version: str
    new_hash: str
    pdo: float
    base_odds: float
    factor: float
    min_subjects: int
    rows: int
    fitted_subjects: int
    not_in_workspace: int
    not_scored: int
    auc_model: float | None
    auc_old_points: float | None
    auc_new_points: float | None
    base_points: int
    base_points_for_odds: dict[str, int]  # per kind: base points at which the odds are base_odds
    requirements: list[ProposedPoints]
    ruleset: Ruleset
    yaml_text: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["ruleset"], data["yaml_text"]
        return data


def calibrate(
    sandbox: Sandbox,
    ruleset: Ruleset,
    as_of: date,
    outcomes: Path,
    pdo: float = 20.0,
    base_odds: float = 50.0,
    min_subjects: int = 20,
    version: str | None = None,
    strength: float = 1.0,
) -> Calibration:
    """Fit the model on ``outcomes`` and propose a validated new version of ``ruleset``."""
    if pdo <= 0 or base_odds <= 0:
        raise CredenceError("pdo and base odds must be positive")
    found = load_outcomes(sandbox.con, outcomes)
    run = sandbox.score(ruleset, as_of, "cal")
    kinds, y, counts = _features(sandbox, run, ruleset)
    if len(set(y.tolist())) < 2:
        raise CredenceError(
            f"calibration needs both outcomes among scored subjects: {len(y)} subjects, "
            f"{int(y.sum())} bad"
        )
    fitted = np.flatnonzero(counts.any(axis=0))
    both_kinds = len(set(kinds)) == 2
    design = counts[:, fitted]
    if both_kinds:
        design = np.column_stack([design, np.asarray([k == "person" for k in kinds], dtype=float)])
    model = LogisticRegression(C=strength, max_iter=5000).fit(design, y)
    betas = dict(zip(fitted.tolist(), model.coef_[0][: len(fitted)].tolist(), strict=True))
    factor = pdo / math.log(2)
    with_line = (counts > 0).sum(axis=0)
    proposals = [
        _propose(
            rating.id, req.id, req.points, int(with_line[j]), betas.get(j), factor, min_subjects
        )
        for j, (rating, req) in enumerate(ruleset.requirements())
    ]
    new_version = version or f"{ruleset.version}-cal.{as_of.isoformat()}"
    proposed, text = _new_ruleset(ruleset, new_version, proposals)
    intercepts = {kinds[0]: float(model.intercept_[0])}
    if both_kinds:
        intercepts = {"organization": float(model.intercept_[0])}
        intercepts["person"] = intercepts["organization"] + float(model.coef_[0][-1])
    old_points = np.asarray([p.old_points for p in proposals], dtype=float)
    new_points = np.asarray([p.points for p in proposals], dtype=float)
    missing, unscored = _coverage(sandbox, run)
    return Calibration(
        old=run.identity(),
        new_version=new_version,
        new_hash=ruleset_hash(proposed),
        pdo=pdo,
        base_odds=base_odds,
        factor=round(factor, 4),
        min_subjects=min_subjects,
        rows=found.rows,
        fitted_subjects=len(y),
        not_in_workspace=missing,
        not_scored=unscored,
        auc_model=separation(y, -model.predict_proba(design)[:, 1]).auc,
        auc_old_points=separation(y, counts @ old_points).auc,
        auc_new_points=separation(y, counts @ new_points).auc,
        base_points=ruleset.base_points,
        base_points_for_odds={
            kind: ruleset.base_points + _round(factor * (-b0 - math.log(base_odds)))
            for kind, b0 in sorted(intercepts.items())
        },
        requirements=proposals,
        ruleset=proposed,
        yaml_text=text,
    )


def write_calibrated(calibration: Calibration, path: Path) -> Path:
    """Write the proposed ruleset YAML (it was validated when it was built)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(calibration.yaml_text, encoding="utf-8")
    return path


def _features(
    sandbox: Sandbox, run: SandboxRun, ruleset: Ruleset
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Scored subjects of the file: their kinds, outcomes, and counted lines per requirement."""
    rows = sandbox.con.execute(
        f"SELECT o.subject_code, s.subject_kind, o.outcome FROM {OUTCOMES_TABLE} AS o "
        f"JOIN {run.table('scores')} AS s ON s.subject_code = o.subject_code "
        "WHERE s.scored ORDER BY o.row_number"
    ).fetchall()
    codes = [str(r[0]) for r in rows]
    position = {code: i for i, code in enumerate(codes)}
    column = {req.id: j for j, (_, req) in enumerate(ruleset.requirements())}
    counts = np.zeros((len(codes), len(column)))
    lines = sandbox.con.execute(
        f"SELECT l.subject_code, l.requirement_id, COUNT(*) FROM {run.table('score_lines')} AS l "
        f"JOIN {OUTCOMES_TABLE} AS o ON o.subject_code = l.subject_code "
        "WHERE l.counted GROUP BY ALL"
    ).fetchall()
    for code, requirement, n in lines:
        counts[position[str(code)], column[str(requirement)]] = n
    return [str(r[1]) for r in rows], np.asarray([r[2] for r in rows], dtype=int), counts


def _coverage(sandbox: Sandbox, run: SandboxRun) -> tuple[int, int]:
    """Rows of the file whose subject the workspace does not know, and those not scored."""
    missing, unscored = sandbox.con.execute(
        "SELECT COUNT(*) FILTER (WHERE s.subject_code IS NULL), "
        "COUNT(*) FILTER (WHERE NOT s.scored) "
        f"FROM {OUTCOMES_TABLE} AS o LEFT JOIN {run.table('scores')} AS s "
        "ON s.subject_code = o.subject_code"
    ).fetchone() or (0, 0)
    return int(missing), int(unscored)


def _round(value: float) -> int:
    """Half away from zero, so +2.5 and −2.5 give points of the same size."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _propose(
    rating_id: str,
    requirement_id: str,
    old: int,
    subjects: int,
    beta: float | None,
    factor: float,
    min_subjects: int,
) -> ProposedPoints:
    def kept(points: int, model: int | None, note: str) -> ProposedPoints:
        coef = round(beta, 6) if beta is not None else None
        return ProposedPoints(requirement_id, rating_id, old, points, subjects, coef, model, note)

    if beta is None or subjects < min_subjects:
        return kept(old, None, f"kept: {subjects} subjects (< {min_subjects})")
    model = -_round(beta * factor)
    sign = 1 if old > 0 else -1
    if model == 0:
        return kept(sign, model, f"rounds to 0: set to {sign:+d}")
    if (model > 0) != (old > 0):
        return kept(sign, model, f"opposite sign: clamped to {sign:+d}")
    return kept(model, model, "")


def _new_ruleset(
    old: Ruleset, version: str, proposals: list[ProposedPoints]
) -> tuple[Ruleset, str]:
    """The old ruleset with the proposed points and a new version, checked like any other."""
    data = old.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data["version"] = version
    points = {p.requirement_id: p.points for p in proposals}
    for rating in data["ratings"]:
        for requirement in rating["requirements"]:
            requirement["points"] = points[requirement["id"]]
    header = (
        f"# {old.ruleset} {version}: points calibrated from outcome data by\n"
        f"# `credence rules calibrate` from version {old.version}. Review its impact with\n"
        f"# `credence rules diff OLD THIS_FILE` before publishing it.\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return load_ruleset_text(text, f"{old.ruleset}@{version}"), text
