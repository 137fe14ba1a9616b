"""``rules diff``: who changes grade or list under a new ruleset, before it is published."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from credence.governance.diff import NOT_SCORED, DiffReport, diff_runs
from credence.governance.refs import open_sandbox
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.store import Workspace
from credence.store.rulesets import publish_ruleset
from tests.conftest import ScoredCity
from tests.test_governance_support import (
    BASE,
    DAY,
    build_workspace,
    governance_app,
    record,
    requirement,
    variant,
)

runner = CliRunner()
JUDGMENT = {"fulfilled": False}


def _judgment(code: str, rid: str, days_ago: int) -> dict[str, Any]:
    attributes = json.dumps(JUDGMENT)
    return record(
        code, rid, "court.judgment.unfulfilled", days_ago, "xishan",
        category="court_judgment", attributes=attributes,
    )  # fmt: skip


def _city() -> list[dict[str, Any]]:
    """Firms with one late filing, fines, clean records, a green rating, court judgments."""
    records = []
    for i in range(10):
        records.append(record(f"TAX{i}", f"t{i}", "tax.filing.late", 30, district="donghu"))
        records.append(record(f"FINE{i}", f"f{i}", "market.penalty.fine", 60, district="xishan"))
        records.append(record(f"CLEAN{i}", f"c{i}", "env.award.rare", 500))
    for i in range(5):
        records.append(record(f"GREEN{i}", f"gt{i}", "tax.filing.late", 90, district="donghu"))
        records.append(record(f"GREEN{i}", f"gg{i}", "env.credit.green", 90, district="donghu"))
        # One judgment is still in its notice period: proposed, which counts as listed.
        records.append(_judgment(f"COURT{i}", f"j{i}", 40 if i else 5))
    records.append(_judgment("COURT-OLD", "j-old", 4 * 365))  # its listing has expired
    return records


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build_workspace(tmp_path_factory.mktemp("diff") / "ws", _city())


def _diff(
    ws: Workspace, old: Path, new: Path, day: date = DAY, line: str = "TAX-LATE"
) -> tuple[DiffReport, dict[str, dict[str, Any]], set[str]]:
    """The report, each subject's (score, grade) old and new, and who has ``line`` (old run)."""
    sandbox, (before, after), day = open_sandbox(ws, [str(old), str(new)], day)
    with sandbox:
        old_run, new_run = sandbox.score(before, day, "old"), sandbox.score(after, day, "new")
        report = diff_runs(sandbox, old_run, new_run)
        rows = sandbox.con.execute(
            "SELECT o.subject_code, o.score, o.grade, n.score, n.grade "
            f"FROM {old_run.table('scores')} o "
            f"JOIN {new_run.table('scores')} n USING (subject_kind, subject_code)"
        ).fetchall()
        lined = sandbox.con.execute(
            f"SELECT DISTINCT subject_code FROM {old_run.table('score_lines')} "
            "WHERE requirement_id = ?",
            [line],
        ).fetchall()
    subjects = {
        code: {"old": (old_score, old_grade), "new": (new_score, new_grade)}
        for code, old_score, old_grade, new_score, new_grade in rows
    }
    return report, subjects, {code for (code,) in lined}


def _cells(report: DiffReport) -> dict[tuple[str, str], int]:
    total = report.kinds[0].total
    return {
        (old, new): n
        for i, old in enumerate(total.grades)
        for j, new in enumerate(total.grades)
        if (n := total.matrix[i][j])
    }


def test_a_ruleset_against_itself_changes_nobody(city: Workspace) -> None:
    result = runner.invoke(
        governance_app(),
        [
            "diff",
            str(BASE),
            str(BASE),
            "--as-of",
            str(DAY),
            "-w",
            str(city.root),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unchanged"] is True and data["as_of"] == str(DAY)
    assert data["old"]["hash"] == data["new"]["hash"]
    (kind,) = data["kinds"]
    total = kind["total"]
    assert kind["subject_kind"] == "organization" and total["subjects"] == 41
    assert total["changed_grade"] == 0
    off_diagonal = [n for i, row in enumerate(total["matrix"]) for j, n in enumerate(row) if i != j]
    assert sum(off_diagonal) == 0 and sum(map(sum, total["matrix"])) == 41
    assert all(s["entered"] == 0 and s["left"] == 0 for s in total["lists"].values())
    assert total["mean_score_old"] == total["mean_score_new"]
    assert all(d["old"] == d["new"] for d in total["distribution"])


def test_the_table_says_when_nothing_changes(city: Workspace) -> None:
    result = runner.invoke(
        governance_app(), ["diff", str(BASE), str(BASE), "--as-of", str(DAY), "-w", str(city.root)]
    )
    assert result.exit_code == 0, result.output
    assert "No subject changes grade or list." in result.output
    assert "organization by district" in result.output


def test_doubling_one_requirement_moves_exactly_the_subjects_with_that_line(
    city: Workspace, tmp_path: Path
) -> None:
    doubled = variant(tmp_path, "doubled", lambda d: requirement(d, "TAX-LATE").update(points=-12))
    report, subjects, lined = _diff(city, BASE, doubled)
    with_line = {f"TAX{i}" for i in range(10)} | {f"GREEN{i}" for i in range(5)}
    assert lined == with_line
    moved = {code for code, s in subjects.items() if s["old"][0] != s["new"][0]}
    assert moved == with_line
    assert all(subjects[c]["new"][0] - subjects[c]["old"][0] == -6 for c in with_line)
    assert _cells(report) == {("1", "1"): 16, ("1", "2"): 5, ("2", "3"): 10, ("3", "3"): 10}
    total = report.kinds[0].total
    assert total.changed_grade == len(with_line) and not report.unchanged
    counts = {c.grade: (c.old, c.new) for c in total.distribution}
    assert counts["1"] == (21, 16) and counts["2"] == (10, 5) and counts["3"] == (10, 20)
    assert total.mean_score_new == pytest.approx(total.mean_score_old - 6 * 15 / 41, abs=0.02)
    assert report.kinds[0].districts["donghu"].changed_grade == 15
    assert report.kinds[0].districts["xishan"].changed_grade == 0


def test_a_new_black_list_requirement_shows_who_enters_the_list(
    city: Workspace, tmp_path: Path
) -> None:
    def add_judgments(data: dict[str, Any]) -> None:
        data["ratings"].append(
            {
                "id": "judicial", "stream": "judicial", "applies_to": ["organization"],
                "requirements": [{
                    "id": "COURT-UNFULFILLED", "when": {"kind": "court.judgment.unfulfilled"},
                    "points": -150, "cap": 1, "valid_for": "P3Y", "severity": "serious",
                    "category": "court_judgment", "legal_basis": "Civil Procedure Law",
                    "lists": ["black"],
                }],
            }
        )  # fmt: skip

    stricter = variant(tmp_path, "stricter", add_judgments)
    result = runner.invoke(
        governance_app(),
        ["diff", str(BASE), str(stricter), "--as-of", str(DAY), "-w", str(city.root),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    kind = json.loads(result.output)["kinds"][0]
    black, red = kind["total"]["lists"]["black"], kind["total"]["lists"]["red"]
    # Five firms with a live judgment (one still proposed) enter; the one whose listing expired
    # does not, and the five leave the red list they were on with a clean record.
    assert black == {"old": 0, "new": 5, "entered": 5, "left": 0}
    assert red["left"] == 5 and red["entered"] == 0
    assert kind["districts"]["xishan"]["lists"]["black"]["entered"] == 5
    assert kind["districts"]["donghu"]["lists"]["black"]["entered"] == 0
    assert kind["total"]["changed_grade"] == 5
    assert sum(d["subjects"] for d in kind["districts"].values()) == kind["total"]["subjects"]


def test_published_versions_and_hash_prefixes_are_references_too(
    city: Workspace, tmp_path: Path
) -> None:
    published = publish_ruleset(city, BASE)
    doubled = variant(tmp_path, "doubled", lambda d: requirement(d, "TAX-LATE").update(points=-12))
    args = ["--as-of", str(DAY), "-w", str(city.root), "--format", "json"]
    result = runner.invoke(governance_app(), ["diff", "gov-fixture@1", published.hash[:10], *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unchanged"] is True
    result = runner.invoke(governance_app(), ["diff", "1", str(doubled), *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kinds"][0]["total"]["changed_grade"] == 15


def test_an_unknown_reference_is_an_error_not_a_crash(city: Workspace) -> None:
    result = runner.invoke(
        governance_app(), ["diff", str(BASE), "no-such-version", "-w", str(city.root)]
    )
    assert result.exit_code == 2
    assert "no ruleset 'no-such-version'" in result.output


def test_on_a_demo_city_doubling_a_requirement_moves_only_the_subjects_with_its_line(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    default = default_ruleset_path()
    ruleset = load_ruleset(default)
    sandbox, _, _ = open_sandbox(scored_city.ws, [], scored_city.as_of)
    with sandbox:
        run = sandbox.score(ruleset, scored_city.as_of, "first")
        row = sandbox.con.execute(
            f"SELECT requirement_id FROM {run.table('score_lines')} "
            "GROUP BY 1 ORDER BY COUNT(DISTINCT subject_code) DESC, 1 LIMIT 1"
        ).fetchone()
    assert row is not None
    busiest = str(row[0])  # the requirement most subjects have a line of
    data = ruleset.model_dump(mode="json", by_alias=True, exclude_none=True)
    rule = requirement(data, busiest)
    rule["points"] *= 2
    doubled = tmp_path / "doubled.yaml"
    doubled.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, subjects, lined = _diff(scored_city.ws, default, doubled, scored_city.as_of, busiest)
    moved = {code for code, s in subjects.items() if s["old"][0] != s["new"][0]}
    assert lined and moved == lined
    people = next(k for k in report.kinds if k.subject_kind == "person").total
    assert people.grades[-1] == NOT_SCORED and people.matrix[-1][-1] > 0
    assert sum(people.matrix[-1]) == people.matrix[-1][-1]  # without consent, still no score
    assert sum(row[-1] for row in people.matrix) == people.matrix[-1][-1]
    changed = sum(k.total.changed_grade for k in report.kinds)
    crossing = {c for c in lined if subjects[c]["old"][1] != subjects[c]["new"][1]}
    assert changed == len(crossing)
