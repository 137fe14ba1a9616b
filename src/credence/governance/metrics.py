"""How well a score separates good from bad outcomes: AUC, Gini and the KS statistic.

Scores are "higher is better" and outcome 1 is the bad one, so the ranking statistic is the AUC of
the negated score against outcome = 1. All three need both outcomes present; otherwise they are
None rather than a misleading number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score, roc_curve


@dataclass(frozen=True)
class Separation:
    subjects: int
    bad: int
    auc: float | None
    gini: float | None
    ks: float | None

    @property
    def bad_rate(self) -> float | None:
        return round(self.bad / self.subjects, 4) if self.subjects else None


def separation(outcome: ArrayLike, score: ArrayLike) -> Separation:
    """AUC, Gini (2·AUC − 1) and KS (largest gap between the bad and good score distributions)."""
    y = np.asarray(outcome, dtype=int)
    s = np.asarray(score, dtype=float)
    bad = int(y.sum())
    if len(y) == 0 or bad in (0, len(y)):
        return Separation(len(y), bad, None, None, None)
    auc = float(roc_auc_score(y, -s))
    fpr, tpr, _ = roc_curve(y, -s)
    ks = float(np.max(np.abs(tpr - fpr)))
    return Separation(len(y), bad, round(auc, 4), round(2 * auc - 1, 4), round(ks, 4))
