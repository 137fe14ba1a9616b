"""Adverse impact between groups: does a favourable result reach every group alike?

For each favourable result (not black-listed; a grade in the top half of the bands) the rate of
each group is divided by the highest group's rate. A ratio under four fifths (0.8) is the
conventional sign of adverse impact and is flagged; it is a reason to look, not a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class GroupStats:
    """One group's counts, as gathered from a scoring run and an outcomes file."""

    group: str
    subjects: int
    scored: int
    bad: int
    grades: dict[str, int]
    black: int
    red: int
    top_half: int  # scored subjects whose grade is in the top half of the bands


@dataclass(frozen=True)
class GroupFairness:
    group: str
    subjects: int
    scored: int
    bad_rate: float | None
    grades: dict[str, int]
    black_share: float | None
    red_share: float | None
    rates: dict[str, float | None]
    ratios: dict[str, float | None]
    flags: list[str] = field(default_factory=list)


def top_half(bands: list[str]) -> list[str]:
    """The better half of the grade bands (at least one): AAA, AA, A of six; 1, 2 of four."""
    return bands[: max(1, len(bands) // 2)]


def adverse_impact(rates: dict[str, float | None]) -> dict[str, float | None]:
    """Each group's rate over the highest group rate (None when it cannot be computed)."""
    known = [r for r in rates.values() if r is not None]
    best = max(known) if known else 0.0
    return {
        g: (round(r / best, 4) if r is not None and best > 0 else None) for g, r in rates.items()
    }


def fairness(groups: list[GroupStats], threshold: float = FOUR_FIFTHS) -> list[GroupFairness]:
    """Per group: shares, favourable rates, impact ratios, and a flag for each ratio below 4/5."""
    rates: dict[str, dict[str, float | None]] = {
        "not_black_listed": {g.group: _share(g.subjects - g.black, g.subjects) for g in groups},
        "top_half_grade": {g.group: _share(g.top_half, g.scored) for g in groups},
    }
    ratios = {name: adverse_impact(by_group) for name, by_group in rates.items()}
    out = []
    for g in groups:
        mine = {name: ratios[name][g.group] for name in rates}
        flags = [
            f"{name}: ratio {ratio:.2f} < {threshold}"
            for name, ratio in mine.items()
            if ratio is not None and ratio < threshold
        ]
        out.append(
            GroupFairness(
                group=g.group,
                subjects=g.subjects,
                scored=g.scored,
                bad_rate=_share(g.bad, g.subjects),
                grades=g.grades,
                black_share=_share(g.black, g.subjects),
                red_share=_share(g.red, g.subjects),
                rates={name: rates[name][g.group] for name in rates},
                ratios=mine,
                flags=flags,
            )
        )
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
