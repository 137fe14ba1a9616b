"""The ingest commands through the real app: init, ingest, sources, quarantine."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.identifiers import generate_uscc

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
COLUMNS = ["case_no", "subj_type", "uscc", "event", "filed_on", "amount_cny", "firm_name"]
COLUMNS += ["addr", "fulfilled"]

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A tax file with two good rows and one bad check digit, its mapping beside it."""
    rng = random.Random(7)
    good = generate_uscc(rng)
    rows = [
        ["T1", "ORG", good, "LATE", "2024-01-02", "10", "Acme", "", ""],
        ["T2", "ORG", good, "ARREARS", "2024-02-03", "", "Acme", "", ""],
        ["T3", "ORG", good[:-1] + ("1" if good[-1] != "1" else "2"), "LATE", "2024-01-02"],
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "tax.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(row + [""] * (len(COLUMNS) - len(row)) for row in rows)
    shutil.copy(FIXTURES / "city-tax-bureau.yaml", folder / "city-tax-bureau.yaml")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "Created workspace" in result.stdout
    assert (root / "catalog.duckdb").is_file()
    assert (root / "records").is_dir()
    return root


def test_init_twice_changes_nothing(ws: Path) -> None:
    result = runner.invoke(app, ["init", str(ws)])
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout


def test_ingest_prints_a_summary_and_exits_zero_with_quarantined_rows(ws: Path, data: Path):
    result = runner.invoke(app, ["ingest", str(data), "--source", "city-tax-bureau", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.stdout
    assert "bad_check_digit" in result.stdout
    again = runner.invoke(app, ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws)])
    assert again.exit_code == 0
    assert "already ingested" in again.stdout


def test_ingest_json_output_is_the_report(ws: Path, data: Path) -> None:
    args = ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["rows_in"], report["loaded"], report["quarantined"]) == (3, 2, 1)
    assert report["quarantined_by_reason"] == {"bad_check_digit": 1}
    assert report["already_ingested"] is False


def test_ingest_with_an_explicit_mapping_and_errors_exit_two(
    ws: Path, data: Path, tmp_path: Path
) -> None:
    (data.parent / "city-tax-bureau.yaml").unlink()
    missing = runner.invoke(app, ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws)])
    assert missing.exit_code == 2
    assert "no mapping for source" in missing.stderr
    base = ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws)]
    broken = runner.invoke(app, [*base, "--mapping", str(FIXTURES / "broken.yaml")])
    assert broken.exit_code == 2
    assert "forbidden" in broken.stderr
    explicit = ["--mapping", str(FIXTURES / "city-tax-bureau.yaml"), "-f", "json"]
    ok = runner.invoke(
        app, ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws), *explicit]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["loaded"] == 2
    nowhere = runner.invoke(app, ["ingest", str(data), "-s", "x", "-w", str(tmp_path / "none")])
    assert nowhere.exit_code == 2
    assert "credence init" in nowhere.stderr


def test_sources_lists_counts(ws: Path, data: Path) -> None:
    empty = runner.invoke(app, ["sources", "-w", str(ws)])
    assert empty.exit_code == 0
    assert "No sources" in empty.stdout
    runner.invoke(app, ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws)])
    table = runner.invoke(app, ["sources", "-w", str(ws)])
    assert table.exit_code == 0
    assert "city-tax-bureau" in table.stdout
    listed = json.loads(runner.invoke(app, ["sources", "-w", str(ws), "-f", "json"]).stdout)
    assert listed == [
        {
            "source": "city-tax-bureau",
            "level": "city",
            "stream": "administrative",
            "category": "tax",
            "consent_required": False,
            "batches": 1,
            "records": 2,
            "quarantined": 1,
            "duplicates": 0,
        }
    ]


def test_quarantine_shows_reasons_and_rows(ws: Path, data: Path) -> None:
    nothing = runner.invoke(app, ["quarantine", "-w", str(ws)])
    assert nothing.exit_code == 0
    assert "Nothing quarantined" in nothing.stdout
    runner.invoke(app, ["ingest", str(data), "-s", "city-tax-bureau", "-w", str(ws)])
    table = runner.invoke(app, ["quarantine", "-w", str(ws)])
    assert table.exit_code == 0
    assert "bad_check_digit" in table.stdout
    result = runner.invoke(app, ["quarantine", "-w", str(ws), "--format", "json", "-n", "5"])
    shown = json.loads(result.stdout)
    assert shown["counts"] == [
        {"source": "city-tax-bureau", "reason": "bad_check_digit", "rows": 1}
    ]
    (row,) = shown["rows"]
    assert (row["row_number"], row["field"], row["file"]) == (3, "subject_code", str(data))
    assert json.loads(row["raw"])["case_no"] == "T3"
    other = runner.invoke(app, ["quarantine", "-w", str(ws), "-s", "nobody", "-f", "json"])
    assert json.loads(other.stdout) == {"counts": [], "rows": []}
    none = runner.invoke(app, ["quarantine", "-w", str(ws), "-f", "json", "--limit", "0"])
    assert json.loads(none.stdout)["rows"] == []
