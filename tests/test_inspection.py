"""Inspection planning: weighted by the measures' rates, the same seed gives the same plan, and
the published plan shows organisations only."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from credence.cli.service_cmd import register
from credence.errors import CredenceError
from credence.inspection import DEFAULT_BASE_RATE, draw_plan, inspection_rate, inspectors_from
from credence.store import Workspace
from tests.conftest import CITY_DAY, ScoredCity
from tests.results_sql import at_run
from tests.test_service_support import Served, copy_city, serve


@pytest.fixture(scope="module")
def root(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_city(scored_city, tmp_path_factory.mktemp("inspect") / "ws")


@pytest.fixture
def con(root: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Workspace.open(root).connect()
    yield connection
    connection.close()


def _listed(con: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    rows = con.execute(
        at_run(
            con,
            "SELECT DISTINCT subject_code FROM listings WHERE list_name = ? "
            "AND state = 'published' AND subject_kind = 'organization'",
        ),
        [name],
    ).fetchall()
    return {str(c) for (c,) in rows}


def test_the_rate_comes_from_lists_then_grade_then_the_base() -> None:
    black = ("list:black", {"inspection_rate": 0.98})
    grade = ("grade:organization:1", {"inspection_rate": 0.02})
    assert inspection_rate([grade, black], 0.05) == 0.98
    assert inspection_rate([grade, ("list:black", {"may_bid_public_tenders": False})], 0.05) == 0.02
    assert inspection_rate([], 0.05) == 0.05


def test_the_same_seed_gives_the_same_plan(con: duckdb.DuckDBPyConnection) -> None:
    team = inspectors_from("4")
    first = draw_plan(con, 12, 7, team, CITY_DAY, "test")
    again = draw_plan(con, 12, 7, team, CITY_DAY, "test")
    other = draw_plan(con, 12, 8, team, CITY_DAY, "test")
    assert [i.model_dump() for i in first.items] == [i.model_dump() for i in again.items]
    assert [i.subject_code for i in first.items] != [i.subject_code for i in other.items]
    assert len({i.subject_code for i in first.items}) == 12  # without replacement
    assert first.candidates == 80
    assert sorted(Counter(i.inspector for i in first.items).values()) == [3, 3, 3, 3]
    people = con.execute("SELECT subject_code FROM subjects WHERE subject_kind = 'person'")
    assert not {i.subject_code for i in first.items} & {str(c) for (c,) in people.fetchall()}


def test_listed_firms_are_drawn_by_their_rates(con: duckdb.DuckDBPyConnection) -> None:
    black, red = _listed(con, "black"), _listed(con, "red")
    assert black and red
    drawn: Counter[str] = Counter()
    plans = 200
    for seed in range(plans):
        plan = draw_plan(con, 4, seed, ["a"], CITY_DAY, "test")
        for item in plan.items:
            code = item.subject_code
            expected = 0.98 if code in black else 0.005 if code in red else DEFAULT_BASE_RATE
            assert item.rate == expected
            drawn[code] += 1
    per_black = sum(drawn[c] for c in black) / len(black) / plans
    per_red = sum(drawn[c] for c in red) / len(red) / plans
    others = set(drawn) - black - red
    per_other = sum(drawn[c] for c in others) / (80 - len(black) - len(red)) / plans
    assert per_black > 0.25 > per_other > per_red


def test_inspectors_from_a_count_or_a_file(tmp_path: Path) -> None:
    assert inspectors_from("3") == ["inspector-01", "inspector-02", "inspector-03"]
    team = tmp_path / "team.txt"
    team.write_text("# inspectors\nWang Fang\n\nLi Lei\nWang Fang\n", encoding="utf-8")
    assert inspectors_from(str(team)) == ["Wang Fang", "Li Lei"]
    with pytest.raises(CredenceError, match="neither a number nor a file"):
        inspectors_from(str(tmp_path / "missing.txt"))
    with pytest.raises(CredenceError, match="size"):
        draw_plan(None, 0, 1, ["a"], CITY_DAY, "test")  # type: ignore[arg-type]


def test_plans_through_the_api_are_published_without_inspectors(root: Path) -> None:
    served: Served
    with serve(root) as served:
        ops = served.key("operator")
        body = {"size": 6, "seed": 99, "inspectors": ["Wang Fang", "Li Lei", "Zhao Min"]}
        first = served.client.post("/operator/inspections/plans", headers=ops, json=body).json()
        second = served.client.post("/operator/inspections/plans", headers=ops, json=body).json()
        assert first["plan_id"] != second["plan_id"]
        assert [(i["subject_code"], i["inspector"]) for i in first["items"]] == [
            (i["subject_code"], i["inspector"]) for i in second["items"]
        ]
        draft = served.client.post(
            "/operator/inspections/plans", headers=ops, json={**body, "publish": False}
        ).json()
        public = served.client.get("/inspections/plans").json()
        assert draft["plan_id"] not in {p["plan_id"] for p in public}
        shown = next(p for p in public if p["plan_id"] == first["plan_id"])
        assert [i["subject_code"] for i in shown["items"]] == [
            i["subject_code"] for i in first["items"]
        ]
        assert "inspector" not in json.dumps(shown) and "Wang Fang" not in json.dumps(public)
        served.client.post(f"/operator/inspections/plans/{draft['plan_id']}/publish", headers=ops)
        public = served.client.get("/inspections/plans").json()
        assert draft["plan_id"] in {p["plan_id"] for p in public}
        assert served.client.get("/inspections/plans", params={"limit": 0}).status_code == 422


def test_the_cli_draws_the_same_plan_for_the_same_seed(root: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    team = tmp_path / "team.txt"
    team.write_text("Wang Fang\nLi Lei\n", encoding="utf-8")
    args = ["inspect", "plan", "--size", "5", "--seed", "3", "--inspectors", str(team),
            "-w", str(root), "--json"]  # fmt: skip
    runner = CliRunner()
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    one, two = json.loads(first.output), json.loads(second.output)
    assert one["items"] == two["items"] and one["published_at"] is not None
    assert {i["inspector"] for i in one["items"]} <= {"Wang Fang", "Li Lei"}
    listed = runner.invoke(app, ["inspect", "plans", "-w", str(root), "--json"])
    assert one["plan_id"] in {p["plan_id"] for p in json.loads(listed.output)}
