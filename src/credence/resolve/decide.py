"""From scored pairs to decisions: link, review or leave unresolved. Never guess.

A row belongs to at most one subject of the registry, so its candidates compete: with ``unique``
(the default) each candidate's probability is its share of the row, odds_i / (1 + sum of all
odds), which is the pair's own probability when it has no rival and falls to a half for two
equally good ones (twins, a registry holding a name twice). A row is linked when its best
candidate's share reaches the accept threshold; a row with a candidate whose own probability
reaches the review threshold waits for a person; the rest stay unresolved. Pairs a person
rejected are removed before anything is decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pyarrow as pa

from credence.resolve.config import Thresholds

Outcome = Literal["link", "review", "unresolved"]
# Pairs are scored down to this probability: weak rivals still take their share of a row.
FLOOR = 0.01


@dataclass(frozen=True)
class Candidate:
    """A subject a row may be: its share of the row, and the pair's own probability."""

    right_id: str
    probability: float
    match_weight: float
    pair_probability: float


@dataclass
class Decision:
    """What happens to one left row, with the candidates a reviewer would see."""

    left_id: str
    outcome: Outcome
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def decide(
    pairs: pa.Table,
    thresholds: Thresholds,
    rejected: Iterable[tuple[str, str]] = (),
    max_candidates: int = 3,
) -> list[Decision]:
    """One decision per left row that has a candidate; rows with none stay unresolved anyway.

    ``pairs`` holds left_id, right_id, probability and match_weight (log2 of the Bayes factor
    times the prior odds) of every scored pair above a low floor."""
    con = duckdb.connect()
    try:
        con.register("pairs", pairs)
        refused = list(rejected)
        con.register(
            "refused",
            pa.table({"left_id": [a for a, _ in refused], "right_id": [b for _, b in refused]},
                     schema=pa.schema([("left_id", pa.string()), ("right_id", pa.string())])),
        )  # fmt: skip
        rows = con.execute(
            """WITH kept AS (
                SELECT p.* FROM pairs p ANTI JOIN refused x
                    ON x.left_id = p.left_id AND x.right_id = p.right_id),
            shared AS (
                SELECT *, max(match_weight) OVER (PARTITION BY left_id) AS top,
                    row_number() OVER (PARTITION BY left_id
                                       ORDER BY match_weight DESC, right_id) AS rank
                FROM kept),
            massed AS (
                SELECT *, sum(pow(2, match_weight - top)) OVER (PARTITION BY left_id) AS mass
                FROM shared)
            SELECT left_id, right_id, probability,
                pow(2, match_weight - top) / (pow(2, -top) + mass) AS share, match_weight
            FROM massed WHERE rank = 1 OR (rank <= ? AND probability >= ?)
            ORDER BY left_id, rank""",
            [max_candidates, thresholds.review],
        ).fetchall()
    finally:
        con.close()
    decisions: list[Decision] = []
    for left_id, right_id, probability, share, weight in rows:
        if not decisions or decisions[-1].left_id != left_id:
            decisions.append(Decision(left_id, "unresolved"))
        chosen = share if thresholds.unique else probability
        decisions[-1].candidates.append(Candidate(right_id, float(chosen), float(weight),
                                                  float(probability)))  # fmt: skip
    for decision in decisions:
        decision.outcome = _outcome(decision.candidates, thresholds)
        if decision.outcome == "unresolved":
            decision.candidates = []
    return decisions


def _outcome(candidates: list[Candidate], thresholds: Thresholds) -> Outcome:
    if candidates[0].probability >= thresholds.accept:
        return "link"
    if any(c.pair_probability >= thresholds.review for c in candidates):
        return "review"
    return "unresolved"
