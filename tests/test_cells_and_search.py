"""Text that can be trusted: every CSV Credence writes neutralises formulas; an empty search is
refused and a search is paged in SQL; a file's lines never show where a file lay on the server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from credence.cells import csv_text, neutral, neutral_query, neutral_table
from credence.cli.app import app as cli
from credence.web.mount import mount_web
from tests.conftest import ScoredCity
from tests.results_sql import at_run
from tests.test_service_support import Served, copy_city, serve

FORMULA = '=HYPERLINK("http://evil.example","click")'


def test_cells_a_spreadsheet_would_run_are_written_as_text() -> None:
    for risky in (FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutral(risky) == "'" + risky
    for safe in ("澜城商贸", "a=b", -5, 3.5, None, ""):
        assert neutral(safe) == safe
    text = csv_text([{"name": FORMULA, "score": -40}], ["name", "score"])
    assert list(csv.reader(io.StringIO(text))) == [["name", "score"], ["'" + FORMULA, "-40"]]


def test_the_three_writers_agree(tmp_path: Path) -> None:
    table = pa.table({"name": [FORMULA, "plain", None], "points": [-5, 1, 2]})
    pacsv.write_csv(neutral_table(table), tmp_path / "arrow.csv")
    con = duckdb.connect()
    con.register("t", table)
    con.execute(f"COPY ({neutral_query(con, 'SELECT * FROM t')}) TO '{tmp_path / 'db.csv'}'")
    for name in ("arrow.csv", "db.csv"):
        rows = list(csv.DictReader((tmp_path / name).open(encoding="utf-8")))
        assert [r["name"] for r in rows] == ["'" + FORMULA, "plain", ""], name
        assert [r["points"] for r in rows] == ["-5", "1", "2"], name


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("trust") / "ws")
    con = duckdb.connect(str(root / "catalog.duckdb"))
    try:  # a firm on the black list whose name is a formula, as one source row could make it
        listed = con.execute(
            at_run(
                con,
                "SELECT min(subject_code) FROM listings WHERE list_name = 'black' "
                "AND state = 'published' AND subject_kind = 'organization'",
            )
        ).fetchone()
        assert listed is not None and listed[0] is not None
        con.execute(
            "UPDATE subject_registry SET name = ? WHERE subject_code = ?", [FORMULA, listed[0]]
        )
        con.execute("DELETE FROM subject_names_state")  # as loading a registry does
    finally:
        con.close()
    with serve(root) as s:
        mount_web(s.client.app)  # type: ignore[arg-type]
        yield s


def _formula_firm(served: Served) -> str:
    return str(served.one("SELECT subject_code FROM subject_names WHERE name = ?", [FORMULA]))


def test_the_public_list_csv_carries_no_formula(served: Served) -> None:
    _formula_firm(served)
    got = served.client.get("/lists/black", params={"format": "csv", "per_page": 500})
    assert got.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(got.text)) for cell in row]
    assert FORMULA not in cells and "'" + FORMULA in cells


def test_export_and_cli_list_csv_neutralise(scored_city: ScoredCity, tmp_path: Path) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    con = duckdb.connect(str(root / "catalog.duckdb"))
    try:
        con.execute(
            at_run(
                con,
                "UPDATE subject_registry SET name = ? WHERE subject_code IN (SELECT subject_code "
                "FROM listings WHERE list_name = 'black' AND subject_kind = 'organization')",
            ),
            [FORMULA],
        )
        con.execute(
            "UPDATE quarantine SET reason = ? WHERE row_number = (SELECT min(row_number) "
            "FROM quarantine)",
            [FORMULA],
        )
    finally:
        con.close()
    runner = CliRunner()
    out = tmp_path / "quarantine.csv"
    done = runner.invoke(cli, ["export", "quarantine", "--out", str(out), "-w", str(root)])
    assert done.exit_code == 0, done.output
    exported = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
    assert "'" + FORMULA in exported and FORMULA not in exported
    shown = runner.invoke(cli, ["lists", "black", "--format", "csv", "-w", str(root)])
    assert shown.exit_code == 0, shown.output
    cells = [cell for row in csv.reader(io.StringIO(shown.output)) for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells


def test_an_empty_search_is_refused_and_a_search_pages_in_sql(served: Served) -> None:
    for path in ("/organisations", "/lookup.json"):
        got = served.client.get(path, params={"q": "   "})
        assert got.status_code == 422, (path, got.text)
        assert got.json()["error"] in ("invalid_input", "invalid_request")
    everyone = served.client.get("/organisations", params={"q": "9", "limit": 100}).json()
    assert everyone["total"] > 10
    page = served.client.get("/organisations", params={"q": "9", "limit": 5, "offset": 5}).json()
    assert page["total"] == everyone["total"]
    assert [i["subject_code"] for i in page["items"]] == [
        i["subject_code"] for i in everyone["items"][5:10]
    ]
    past = served.client.get(
        "/organisations", params={"q": "9", "limit": 5, "offset": everyone["total"] + 5}
    ).json()
    assert past["items"] == [] and past["total"] == everyone["total"]


def test_lines_name_the_source_file_never_a_server_path(served: Served) -> None:
    code = served.one(
        "SELECT subject_code FROM score_lines WHERE subject_kind = 'organization' LIMIT 1"
    )
    found = served.client.get(
        f"/operator/subjects/{code}", headers=served.key("operator")
    ).json()
    files = [line["provenance"].get("file") for line in found["lines"]]
    assert files and all(f and "/" not in f and "\\" not in f for f in files)
    assert str(served.root) not in str(found)
