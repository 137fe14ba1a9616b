"""``rules evaluate``: separation of outcomes (AUC, Gini, KS, bad rate per grade) and fairness."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from credence.governance.fairness import adverse_impact, top_half
from credence.governance.metrics import separation
from credence.store import Workspace
from tests.test_governance_support import BASE, DAY, build_workspace, governance_app, record

runner = CliRunner()
DISTRICTS = ("donghu", "xishan", "jiangbin")
POINTS = {"tax.filing.late": (-6, 3), "market.penalty.fine": (-25, 3),
          "market.penalty.warning": (-10, 1), "env.credit.green": (10, 1)}  # fmt: skip


def _firms(count: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Firms with random records, and each firm's score computed here by hand."""
    rng = random.Random(seed)
    records, scores = [], {}
    for i in range(count):
        code = f"ORG{i:04d}"
        district = DISTRICTS[i % 3]
        score, found = 1000, 0
        for kind, (points, cap) in POINTS.items():
            n = rng.randint(0, cap + 1)
            for k in range(n):
                records.append(record(code, f"{code}-{kind}-{k}", kind, 10 + 7 * k, district))
            score += points * min(n, cap)
            found += n
        if not found:  # an expired award: the firm is known, with nothing that counts today
            records.append(record(code, f"{code}-old", "env.award.rare", 900, district))
        scores[code] = score
    return records, scores


def _grade(score: int) -> str:
    return "1" if score >= 1000 else "2" if score >= 990 else "3" if score >= 900 else "4"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[str, int]]:
    records, scores = _firms(600, seed=5)
    # Two people without scoring consent: known to the workspace, but not scored.
    records += [
        record(f"PERSON{i}", f"p{i}", "tax.filing.late", 20, subject_kind="person")
        for i in range(2)
    ]
    return build_workspace(tmp_path_factory.mktemp("eval") / "ws", records), scores


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _evaluate(ws: Workspace, outcomes: Path, *extra: str) -> dict[str, Any]:
    args = ["evaluate", "--outcomes", str(outcomes), "--ruleset", str(BASE), "--as-of", str(DAY)]
    result = runner.invoke(
        governance_app(), [*args, "-w", str(ws.root), "--format", "json", *extra]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def _kind(data: dict[str, Any], kind: str = "organization") -> dict[str, Any]:
    found: dict[str, Any] = next(k for k in data["kinds"] if k["subject_kind"] == kind)
    return found


def test_outcomes_that_follow_the_score_give_auc_one_and_missing_subjects_are_counted(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, scores = city
    rows = [{"subject_code": c, "outcome": int(s < 970)} for c, s in scores.items()]
    rows += [{"subject_code": f"NOBODY{i}", "outcome": 1} for i in range(3)]
    rows += [{"subject_code": "PERSON0", "outcome": 0}, {"subject_code": "PERSON1", "outcome": 1}]
    data = _evaluate(ws, _write_csv(tmp_path / "perfect.csv", rows))
    assert data["rows"] == 605 and data["scored"] == 600
    assert data["not_in_workspace"] == 3 and data["not_scored"] == 2
    separated = _kind(data)["separation"]
    assert separated["auc"] == 1.0 and separated["gini"] == 1.0 and separated["ks"] == 1.0
    assert separated["subjects"] == 600
    assert separated["bad"] == sum(s < 970 for s in scores.values())


def test_random_outcomes_give_auc_near_one_half_and_bad_rates_per_grade(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, scores = city
    rng = random.Random(9)
    codes = sorted(scores)
    outcome = [int(rng.random() < 0.3) for _ in codes]
    path = tmp_path / "random.parquet"
    pq.write_table(pa.table({"subject_code": codes, "outcome": outcome}), path)
    data = _evaluate(ws, path)
    kind = _kind(data)
    assert abs(kind["separation"]["auc"] - 0.5) < 0.06
    assert kind["separation"]["gini"] == pytest.approx(2 * kind["separation"]["auc"] - 1, abs=1e-3)
    expected: dict[str, list[int]] = {}
    for code, bad in zip(codes, outcome, strict=True):
        expected.setdefault(_grade(scores[code]), []).append(bad)
    for grade in kind["grades"]:
        got = expected.get(grade["grade"], [])
        assert grade["subjects"] == len(got) and grade["bad"] == sum(got)
        if got:
            assert grade["bad_rate"] == pytest.approx(sum(got) / len(got), abs=1e-4)
    ks = _brute_force_ks([scores[c] for c in codes], outcome)
    assert kind["separation"]["ks"] == pytest.approx(ks, abs=1e-4)


def _brute_force_ks(scores: list[int], outcome: list[int]) -> float:
    """Largest gap, over every cut-off, between the shares of bad and good at or below it."""
    bad = [s for s, y in zip(scores, outcome, strict=True) if y]
    good = [s for s, y in zip(scores, outcome, strict=True) if not y]
    return max(
        abs(sum(s <= cut for s in bad) / len(bad) - sum(s <= cut for s in good) / len(good))
        for cut in set(scores)
    )


def test_ks_auc_and_gini_on_small_known_cases() -> None:
    clean = separation([1, 1, 0, 0], [1, 2, 3, 4])
    assert (clean.auc, clean.gini, clean.ks) == (1.0, 1.0, 1.0)
    mixed = separation([1, 0, 1, 0], [1, 2, 3, 4])
    assert mixed.ks == 0.5 and mixed.auc == 0.75 and mixed.gini == 0.5
    assert separation([0, 0, 0], [1, 2, 3]).auc is None  # one outcome only: no ranking to judge
    assert mixed.ks == pytest.approx(_brute_force_ks([1, 2, 3, 4], [1, 0, 1, 0]))


def test_a_biased_grouping_is_flagged_under_the_four_fifths_rule(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, scores = city
    rows = [
        {"subject_code": code, "outcome": int(score < 980),
         "sex": "f" if _grade(score) in ("3", "4") and i % 5 else "m"}
        for i, (code, score) in enumerate(sorted(scores.items()))
    ]  # fmt: skip
    data = _evaluate(ws, _write_csv(tmp_path / "biased.csv", rows), "--group-column", "sex")
    kind = _kind(data)
    groups = {g["group"]: g for g in kind["groups"]}
    assert set(groups) == {"f", "m"} and data["group_source"] == "column 'sex'"
    top = {}
    for sex in ("f", "m"):
        grades = [_grade(scores[r["subject_code"]]) for r in rows if r["sex"] == sex]
        top[sex] = sum(g in ("1", "2") for g in grades) / len(grades)
    assert groups["f"]["rates"]["top_half_grade"] == pytest.approx(top["f"], abs=1e-4)
    assert groups["f"]["ratios"]["top_half_grade"] == pytest.approx(top["f"] / top["m"], abs=1e-3)
    assert groups["f"]["ratios"]["top_half_grade"] < 0.8
    assert groups["m"]["ratios"]["top_half_grade"] == 1.0 and groups["m"]["flags"] == []
    assert any(f.startswith("f: top_half_grade") for f in kind["flagged"])
    assert data["flagged"] and all("organization f:" in f for f in data["flagged"])
    result = runner.invoke(
        governance_app(),
        ["evaluate", "--outcomes", str(tmp_path / "biased.csv"), "--ruleset", str(BASE),
         "--as-of", str(DAY), "--group-column", "sex", "-w", str(ws.root)],
    )  # fmt: skip
    assert result.exit_code == 0 and "⚠ adverse impact f: top_half_grade" in result.output


def test_without_a_group_column_fairness_is_by_district(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, scores = city
    rows = [{"subject_code": c, "outcome": int(s < 990)} for c, s in scores.items()]
    data = _evaluate(ws, _write_csv(tmp_path / "plain.csv", rows))
    groups = {g["group"]: g["subjects"] for g in _kind(data)["groups"]}
    assert groups == {"donghu": 200, "xishan": 200, "jiangbin": 200}
    assert data["group_source"] == "district (workspace)"


def test_an_outcome_that_is_not_zero_or_one_is_refused_with_its_row(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, _ = city
    rows = [
        {"subject_code": "ORG0001", "outcome": "1"},
        {"subject_code": "ORG0002", "outcome": "7"},
        {"subject_code": "ORG0001", "outcome": "0"},
    ]
    path = _write_csv(tmp_path / "bad.csv", rows)
    result = runner.invoke(
        governance_app(), ["evaluate", "--outcomes", str(path), "-w", str(ws.root)]
    )
    assert result.exit_code == 2
    assert "bad.csv row 2" in result.output and "outcome must be 0 or 1" in result.output
    assert "bad.csv rows 1, 3" in result.output


def test_adverse_impact_ratios_and_the_top_half_of_bands() -> None:
    assert adverse_impact({"a": 0.5, "b": 0.25, "c": None}) == {"a": 1.0, "b": 0.5, "c": None}
    assert adverse_impact({"a": 0.0}) == {"a": None}
    assert top_half(["AAA", "AA", "A", "B", "C", "D"]) == ["AAA", "AA", "A"]
    assert top_half(["1", "2", "3", "4"]) == ["1", "2"] and top_half(["only"]) == ["only"]
    assert np.isclose(separation([0, 1], [2, 1]).auc or 0, 1.0)


def test_rows_are_named_in_file_order_and_a_missing_group_column_is_refused(
    city: tuple[Workspace, dict[str, int]], tmp_path: Path
) -> None:
    ws, scores = city
    rows: list[dict[str, Any]] = [
        {"subject_code": code, "outcome": i % 2} for i, code in enumerate(sorted(scores))
    ]
    rows[576]["outcome"] = "maybe"
    rows[577]["subject_code"] = ""
    path = _write_csv(tmp_path / "long.csv", rows)
    args = ["evaluate", "--outcomes", str(path), "-w", str(ws.root)]
    result = runner.invoke(governance_app(), args)
    assert result.exit_code == 2
    assert "long.csv row 577: outcome must be 0 or 1 (got 'maybe')" in result.output
    assert "long.csv row 578: empty subject_code" in result.output
    rows[576]["outcome"], rows[577]["subject_code"] = 1, "ORG9999"
    path = _write_csv(tmp_path / "long.csv", rows)
    result = runner.invoke(governance_app(), [*args, "--group-column", "age_band"])
    assert result.exit_code == 2 and "no column 'age_band'" in result.output
