"""The impact of a new ruleset version before it is published: who changes grade or list.

Both versions score the same records on the same day in one sandbox; one join of the two runs
gives, per subject kind and per district, the grade transition matrix (with "not scored"), the
subjects entering and leaving each list, and the shift in the grade distribution and mean score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from credence.governance.sandbox import Sandbox, SandboxRun
from credence.rules.spec import Ruleset

NOT_SCORED = "not scored"
LISTS = ("black", "red")

_COMPARE = """
SELECT s.subject_kind, d.district,
       COALESCE(o.grade, '{ns}') AS old_grade, COALESCE(n.grade, '{ns}') AS new_grade,
       COALESCE(ol.black, false) AS old_black, COALESCE(nl.black, false) AS new_black,
       COALESCE(ol.red, false) AS old_red, COALESCE(nl.red, false) AS new_red,
       COUNT(*) AS subjects, SUM(o.score) AS old_sum, SUM(n.score) AS new_sum
FROM (SELECT subject_kind, subject_code FROM {old_scores}
      UNION SELECT subject_kind, subject_code FROM {new_scores}) AS s
LEFT JOIN {old_scores} AS o USING (subject_kind, subject_code)
LEFT JOIN {new_scores} AS n USING (subject_kind, subject_code)
LEFT JOIN {old_on_list} AS ol USING (subject_kind, subject_code)
LEFT JOIN {new_on_list} AS nl USING (subject_kind, subject_code)
JOIN {districts} AS d USING (subject_kind, subject_code)
GROUP BY ALL
"""


@dataclass(frozen=True)
class _Cell:
    """Subjects sharing one (district, old grade, new grade, list memberships) combination."""

    district: str
    old_grade: str
    new_grade: str
    old_lists: frozenset[str]
    new_lists: frozenset[str]
    subjects: int
    old_sum: int
    new_sum: int


@dataclass(frozen=True)
class ListShift:
    old: int
    new: int
    entered: int
    left: int


@dataclass(frozen=True)
class GradeCount:
    grade: str
    old: int
    new: int


@dataclass(frozen=True)
class Summary:
    """The impact on one population (a subject kind, or a kind within a district)."""

    subjects: int
    changed_grade: int
    grades: list[str]  # rows and columns of the matrix, in band order, "not scored" last
    matrix: list[list[int]]  # matrix[i][j]: subjects moving from grades[i] to grades[j]
    lists: dict[str, ListShift]
    distribution: list[GradeCount]
    mean_score_old: float | None
    mean_score_new: float | None

    @property
    def unchanged(self) -> bool:
        return self.changed_grade == 0 and all(
            s.entered == 0 and s.left == 0 for s in self.lists.values()
        )


@dataclass(frozen=True)
class KindDiff:
    subject_kind: str
    total: Summary
    districts: dict[str, Summary] = field(default_factory=dict)


@dataclass(frozen=True)
class DiffReport:
    old: dict[str, str]
    new: dict[str, str]
    as_of: date
    kinds: list[KindDiff]

    @property
    def unchanged(self) -> bool:
        return all(k.total.unchanged for k in self.kinds)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["unchanged"] = self.unchanged
        return data


def diff_runs(sandbox: Sandbox, old: SandboxRun, new: SandboxRun) -> DiffReport:
    """Compare two runs already in the sandbox."""
    sql = _COMPARE.format(
        ns=NOT_SCORED, districts=sandbox.districts(),
        old_scores=old.table("scores"), new_scores=new.table("scores"),
        old_on_list=old.table("on_list"), new_on_list=new.table("on_list"),
    )  # fmt: skip
    cells: dict[str, list[_Cell]] = {}
    for row in sandbox.con.execute(sql).fetchall():
        kind, district, og, ng, ob, nb, orr, nr, n, old_sum, new_sum = row
        old_lists = frozenset(name for name, on in zip(LISTS, (ob, orr), strict=True) if on)
        new_lists = frozenset(name for name, on in zip(LISTS, (nb, nr), strict=True) if on)
        cell = _Cell(
            str(district), str(og), str(ng), old_lists, new_lists,
            int(n), int(old_sum or 0), int(new_sum or 0),
        )  # fmt: skip
        cells.setdefault(str(kind), []).append(cell)
    kinds = []
    for kind in ("person", "organization"):
        if kind not in cells:
            continue
        order = _grade_order(kind, old.ruleset, new.ruleset)
        found = cells[kind]
        by_district: dict[str, list[_Cell]] = {}
        for cell in found:
            by_district.setdefault(cell.district, []).append(cell)
        districts = {d: _summary(by_district[d], order) for d in sorted(by_district)}
        kinds.append(KindDiff(kind, _summary(found, order), districts))
    return DiffReport(old.identity(), new.identity(), old.as_of, kinds)


def diff_rulesets(sandbox: Sandbox, old: Ruleset, new: Ruleset, as_of: date) -> DiffReport:
    """Score the sandbox's records under both rulesets on ``as_of`` and compare."""
    return diff_runs(sandbox, sandbox.score(old, as_of, "old"), sandbox.score(new, as_of, "new"))


def _grade_order(kind: str, old: Ruleset, new: Ruleset) -> list[str]:
    """The old bands, then any band only the new ruleset has, then "not scored"."""
    order = [band.grade for band in old.grades.for_kind(kind)]
    order += [band.grade for band in new.grades.for_kind(kind) if band.grade not in order]
    return [*order, NOT_SCORED]


def _summary(cells: Iterable[_Cell], order: list[str]) -> Summary:
    cells = list(cells)
    index = {grade: i for i, grade in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for cell in cells:
        matrix[index[cell.old_grade]][index[cell.new_grade]] += cell.subjects
    lists = {}
    for name in LISTS:
        lists[name] = ListShift(
            old=sum(c.subjects for c in cells if name in c.old_lists),
            new=sum(c.subjects for c in cells if name in c.new_lists),
            entered=sum(c.subjects for c in cells if name in c.new_lists - c.old_lists),
            left=sum(c.subjects for c in cells if name in c.old_lists - c.new_lists),
        )
    distribution = [
        GradeCount(grade, sum(matrix[i]), sum(row[i] for row in matrix))
        for i, grade in enumerate(order)
    ]
    scored_old = sum(c.subjects for c in cells if c.old_grade != NOT_SCORED)
    scored_new = sum(c.subjects for c in cells if c.new_grade != NOT_SCORED)
    return Summary(
        subjects=sum(c.subjects for c in cells),
        changed_grade=sum(c.subjects for c in cells if c.old_grade != c.new_grade),
        grades=order,
        matrix=matrix,
        lists=lists,
        distribution=distribution,
        mean_score_old=_mean(sum(c.old_sum for c in cells), scored_old),
        mean_score_new=_mean(sum(c.new_sum for c in cells), scored_new),
    )


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None
