"""The reading commands on a scored city: explain, lists, export, score --format json, demo."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from credence.cli.app import app
from credence.model import RECORD_COLUMNS
from tests.conftest import ScoredCity
from tests.results_sql import at_run

runner = CliRunner()


def _ws(city: ScoredCity) -> list[str]:
    return ["-w", str(city.root)]


def _a_black_listed_code(city: ScoredCity) -> str:
    con = city.ws.connect()
    try:
        row = con.execute(
            at_run(
                con,
                "SELECT subject_code FROM listings WHERE list_name = 'black' "
                "AND state = 'published' AND subject_kind = 'organization' LIMIT 1",
            )
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def test_explain_json_has_every_line_with_provenance_and_legal_basis(
    scored_city: ScoredCity,
) -> None:
    code = _a_black_listed_code(scored_city)
    result = runner.invoke(app, ["explain", code, "--json", *_ws(scored_city)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["subject_code"] == code and data["as_of"] == str(scored_city.as_of)
    assert data["score"] == 1000 + sum(line["points_applied"] for line in data["lines"])
    assert any(li["list_name"] == "black" and li["state"] == "published" for li in data["listings"])
    for line in data["lines"]:
        assert line["legal_basis"] and line["expires_on"]
        assert line["provenance"]["file"].endswith((".csv", ".jsonl", ".parquet"))
        assert line["provenance"]["row_number"] >= 1


def test_explain_table_names_the_grade_and_masks_people(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        row = con.execute(
            at_run(
                con,
                "SELECT subject_code, grade FROM scores "
                "WHERE subject_kind = 'person' AND scored LIMIT 1",
            )
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    result = runner.invoke(app, ["explain", row[0], *_ws(scored_city)])
    assert result.exit_code == 0, result.output
    assert f"grade {row[1]}" in result.output
    assert row[0] not in result.output  # the full identity number never shows


def test_explain_an_unknown_code_says_so(scored_city: ScoredCity) -> None:
    result = runner.invoke(app, ["explain", "91110000MA00000000", *_ws(scored_city)])
    assert result.exit_code == 2
    assert "no records for subject" in result.output


def test_lists_in_every_format(scored_city: ScoredCity) -> None:
    as_json = runner.invoke(app, ["lists", "black", "--format", "json", *_ws(scored_city)])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert rows and all(r["state"] in ("proposed", "published") for r in rows)
    assert all("*" in r["subject_code"] for r in rows if r["subject_kind"] == "person")
    as_csv = runner.invoke(app, ["lists", "black", "--format", "csv", *_ws(scored_city)])
    parsed = list(csv.DictReader(as_csv.output.splitlines()))
    assert len(parsed) == len(rows)
    everything = runner.invoke(
        app, ["lists", "black", "--all", "--format", "json", *_ws(scored_city)]
    )
    assert len(json.loads(everything.output)) >= len(rows)
    bad = runner.invoke(app, ["lists", "grey", *_ws(scored_city)])
    assert bad.exit_code == 2 and "unknown list" in bad.output


def test_export_csv_and_parquet_with_canonical_names(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    out = tmp_path / "records.parquet"
    result = runner.invoke(app, ["export", "records", "--out", str(out), *_ws(scored_city)])
    assert result.exit_code == 0, result.output
    assert tuple(pq.read_schema(out).names) == RECORD_COLUMNS
    scores = tmp_path / "scores.csv"
    runner.invoke(app, ["export", "scores", "--out", str(scores), *_ws(scored_city)])
    header = scores.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:5] == ["subject_code", "subject_kind", "scored", "score", "grade"]
    lines = tmp_path / "lines.csv"
    runner.invoke(app, ["export", "score-lines", "--out", str(lines), *_ws(scored_city)])
    assert "points_applied" in lines.read_text(encoding="utf-8").splitlines()[0]
    decisions = tmp_path / "decisions.csv"
    runner.invoke(app, ["export", "decisions", "--out", str(decisions), *_ws(scored_city)])
    assert decisions.read_text(encoding="utf-8").startswith("record_id,action,effective_on")
    measures = tmp_path / "measures.csv"
    runner.invoke(app, ["export", "measures", "--out", str(measures), *_ws(scored_city)])
    assert measures.read_text(encoding="utf-8").startswith("subject_code,subject_kind,measure_id")
    wrong = runner.invoke(
        app, ["export", "scores", "--out", str(tmp_path / "x.xlsx"), *_ws(scored_city)]
    )
    assert wrong.exit_code == 2 and ".csv or .parquet" in wrong.output


def test_scores_can_be_recomputed_from_the_exports(scored_city: ScoredCity, tmp_path: Path) -> None:
    """What an outside auditor does: base points plus the counted lines give every score."""
    for what in ("scores", "score-lines"):
        runner.invoke(
            app, ["export", what, "--out", str(tmp_path / f"{what}.csv"), *_ws(scored_city)]
        )
    totals: dict[str, int] = {}
    with (tmp_path / "score-lines.csv").open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            totals[line["subject_code"]] = totals.get(line["subject_code"], 0) + int(
                line["points_applied"]
            )
    with (tmp_path / "scores.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["scored"] == "true":
                assert int(row["score"]) == 1000 + totals.get(row["subject_code"], 0)


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lists", "black", "-w", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "credence init" in result.output


def test_demo_runs_end_to_end_and_prints_the_summary(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    args = [
        "demo",
        "-w",
        str(ws),
        "--people",
        "400",
        "--organizations",
        "40",
        "--as-of",
        "2026-06-30",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for heading in (
        "what went in",
        "quarantined, by reason",
        "grades",
        "lists",
        "three explanations",
    ):
        assert heading in result.output
    assert "credence explain" in result.output
    assert (ws / "rulebook" / "rulebook.html").is_file()
    again = runner.invoke(app, args)  # a second run re-ingests nothing and scores the same
    assert again.exit_code == 0
    assert (
        result.output.split("what came out")[1].split("three explanations")[0]
        == again.output.split("what came out")[1].split("three explanations")[0]
    )


def test_exported_records_and_decisions_are_enough_to_recompute_every_score(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    """An auditor's recomputation from the exports alone, with the published rules."""
    from collections import defaultdict

    from credence.rules.explain import Override, explain

    for what, name in (("records", "r.parquet"), ("decisions", "d.parquet"), ("scores", "s.csv")):
        result = runner.invoke(
            app, ["export", what, "--out", str(tmp_path / name), *_ws(scored_city)]
        )
        assert result.exit_code == 0, result.output
    records = pq.read_table(tmp_path / "r.parquet").to_pylist()
    overrides: dict[str, Override] = {}
    for row in pq.read_table(tmp_path / "d.parquet").to_pylist():
        old = overrides.get(row["record_id"], Override())
        if row["action"] == "void":
            overrides[row["record_id"]] = Override(True, old.repaired_on)
        else:
            overrides[row["record_id"]] = Override(old.voided, row["effective_on"])
    by_subject: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for record in records:
        if record["subject_code"]:
            by_subject[(record["subject_kind"], record["subject_code"])].append(record)
    with (tmp_path / "s.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        key = (row["subject_kind"], row["subject_code"])
        ex = explain(scored_city.ruleset, *key, by_subject[key], scored_city.as_of, overrides)
        assert str(ex.score or "") == row["score"] and (ex.grade or "") == row["grade"], key
