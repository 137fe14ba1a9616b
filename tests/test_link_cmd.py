"""``credence link``: two files of people that have nothing to do with the synthetic city."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from credence.cli import resolve_cmd

FIXTURES = Path(__file__).parent / "fixtures" / "resolve"
LEFT, RIGHT = FIXTURES / "people_left.csv", FIXTURES / "people_right.csv"
CONFIG = FIXTURES / "people.link.yaml"


def _app() -> typer.Typer:
    app = typer.Typer()
    resolve_cmd.register(app)
    return app


def _truth() -> dict[str, str]:
    with (FIXTURES / "people_truth.csv").open(encoding="utf-8", newline="") as handle:
        return {r["rec_id"]: r["person_id"] for r in csv.DictReader(handle)}


def _pairs(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_link_two_csv_files_against_the_truth(tmp_path: Path) -> None:
    out, held = tmp_path / "pairs.csv", tmp_path / "review.csv"
    result = CliRunner().invoke(_app(), ["link", str(LEFT), str(RIGHT), "--config", str(CONFIG),
                                         "--out", str(out), "--review-out", str(held)])
    assert result.exit_code == 0, result.output
    assert "linked" in result.output
    pairs = _pairs(out)
    assert list(pairs[0]) == ["left_id", "right_id", "probability", "match_weight"]
    truth = _truth()
    found = {p["left_id"]: p["right_id"] for p in pairs}
    assert len(found) == len(pairs)  # one row per linked left row
    correct = sum(truth.get(left) == right for left, right in found.items())
    assert correct / len(found) >= 0.995  # precision
    assert correct / len(truth) >= 0.97  # recall
    assert all(float(p["probability"]) >= 0.99 for p in pairs)
    strangers = {f"L{n:04d}" for n in range(360, 420)}  # nobody on the right
    assert not strangers & set(found)
    for row in _pairs(held):
        assert row["left_id"] not in found and 0.0 < float(row["probability"]) < 0.99


def test_parquet_in_and_out_give_the_same_pairs(tmp_path: Path) -> None:
    for name in ("people_left", "people_right"):
        table = pacsv.read_csv(FIXTURES / f"{name}.csv")  # typed: ids, days and numbers
        pq.write_table(table, tmp_path / f"{name}.parquet")
    runner = CliRunner()
    result = runner.invoke(_app(), [
        "link", str(tmp_path / "people_left.parquet"), str(tmp_path / "people_right.parquet"),
        "-c", str(CONFIG), "-o", str(tmp_path / "pairs.parquet"), "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["left_rows"] == 420 and report["right_rows"] == 620
    assert report["linked"] + report["review"] + report["unresolved"] == 420
    assert report["em_rules"], "the model is trained by EM on this data"
    from_parquet = pq.read_table(tmp_path / "pairs.parquet").to_pylist()
    runner.invoke(_app(), ["link", str(LEFT), str(RIGHT), "-c", str(CONFIG), "-o",
                           str(tmp_path / "pairs.csv")])  # fmt: skip
    from_csv = _pairs(tmp_path / "pairs.csv")
    assert {(p["left_id"], p["right_id"]) for p in from_parquet} == {
        (p["left_id"], p["right_id"]) for p in from_csv
    }
    assert len(from_parquet) == report["linked"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text.replace("left: addr", "left: street_address"), "street_address"),
        (lambda text: text.replace("[address_street]", "[postcode]"), "unknown key"),
        (lambda text: text.replace("left: {id: rec_id}\n", ""), "id column of both sides"),
    ],
)
def test_bad_configs_are_refused_with_the_reason(
    tmp_path: Path, change: object, message: str
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(change(CONFIG.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    app = typer.Typer()
    resolve_cmd.register(app)
    result = CliRunner().invoke(app, ["link", str(LEFT), str(RIGHT), "-c", str(config), "-o",
                                      str(tmp_path / "out.csv")])  # fmt: skip
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "").replace("│", "")
    assert not (tmp_path / "out.csv").exists()


def test_files_that_cannot_be_linked(tmp_path: Path) -> None:
    doubled = tmp_path / "doubled.csv"
    rows = LEFT.read_text(encoding="utf-8").splitlines()
    doubled.write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    runner = CliRunner()
    for args in (
        [str(doubled), str(RIGHT)],  # an id twice
        [str(tmp_path / "missing.csv"), str(RIGHT)],
        [str(LEFT), str(FIXTURES / "people.link.yaml")],  # not a data file
    ):
        result = runner.invoke(_app(), ["link", *args, "-c", str(CONFIG), "-o",
                                        str(tmp_path / "out.csv")])  # fmt: skip
        assert result.exit_code == 2, args
    result = runner.invoke(_app(), ["link", str(LEFT), str(RIGHT), "-c", str(CONFIG), "-o",
                                    str(tmp_path / "out.txt")])  # fmt: skip
    assert result.exit_code == 2
