"""A Spark run's results, written by its executors as Parquet datasets beside the catalog, read
by every reader through the results seam with the answers of a DuckDB run of the same day and
ruleset; a run that fails half-way leaves nothing any reader sees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.engines import spark_engine
from credence.model import RESULT_TABLES
from credence.rules.loader import default_ruleset_path
from credence.runs import results
from credence.runs.exports import EXPORTS
from credence.runs.score import score_workspace
from credence.store import Workspace
from credence.store.layout import LAYOUT_FILE, part_of, spark_hash
from credence.store.results import subject_scan
from tests.conftest import ScoredCity, SparkScoredCity
from tests.test_service_support import copy_city, serve

pytest.importorskip("pyspark", reason="the Spark extra is not installed: pip install '.[spark]'")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]
runner = CliRunner()
CLI = [sys.executable, "-c", "from credence.cli.app import main; main()"]
SAMPLE = 12  # subjects explained on both runs: the most lines, the listed, the unscored


def _cli(*args: str) -> str:
    found = runner.invoke(app, list(args))
    assert found.exit_code == 0, found.output
    return found.output


def _sample(ws: Workspace) -> list[str]:
    con = ws.connect()
    try:
        run = results.require_current(con)
        rows = con.execute(
            run.sql(
                "SELECT s.subject_code FROM {scores} s "
                "LEFT JOIN (SELECT subject_code, COUNT(*) AS n FROM {score_lines} GROUP BY 1) l "
                "USING (subject_code) LEFT JOIN (SELECT DISTINCT subject_code, true AS listed "
                "FROM {listings}) b USING (subject_code) "
                "ORDER BY b.listed NULLS LAST, l.n DESC NULLS LAST, s.subject_code"
            )
        ).fetchall()
    finally:
        con.close()
    codes = [str(code) for (code,) in rows]
    return codes[: SAMPLE - 2] + codes[-2:]  # and two with nothing to count


def _answers(root: Path, codes: list[str], out: Path) -> dict[str, Any]:
    """What the readers say: explain for each subject, both lists, every export, the pages."""
    found: dict[str, Any] = {
        "explain": {code: json.loads(_cli("explain", code, "--json", "-w", str(root)))
                    for code in codes},
        "lists": {name: json.loads(_cli("lists", name, "--all", "--format", "json",
                                        "-w", str(root))) for name in ("black", "red")},
    }  # fmt: skip
    out.mkdir()
    for what in EXPORTS:
        _cli("export", what, "--out", str(out / f"{what}.csv"), "-w", str(root))
        found[f"export {what}"] = (out / f"{what}.csv").read_text(encoding="utf-8")
    organisation = next(c for c in codes if not re.fullmatch(r"\d{17}[\dX]", c))
    with serve(root) as served:
        found["page"] = served.client.get(f"/organisations/{organisation}").json()
        found["black"] = served.client.get("/lists/black", params={"per_page": 500}).json()
    return found


def test_a_spark_run_reads_everywhere_as_the_duckdb_run(
    spark_scored_city: SparkScoredCity, tmp_path: Path
) -> None:
    city = spark_scored_city
    codes = _sample(Workspace.open(city.duckdb))
    on_duckdb = _answers(city.duckdb, codes, tmp_path / "duckdb")
    assert sum(len(e["lines"]) for e in on_duckdb["explain"].values()) > 20
    assert on_duckdb["lists"]["black"] and on_duckdb["page"]["score"] is not None

    con = Workspace.open(city.spark).connect()
    try:
        run = results.require_current(con)
    finally:
        con.close()
    assert run.run_id == city.made["run_id"] and not run.in_catalog
    assert city.made["results_digest"] == city.duckdb_digest
    on_spark = _answers(city.spark, codes, tmp_path / "spark")
    for reader in on_duckdb:
        assert on_spark[reader] == on_duckdb[reader], reader


def test_the_executors_write_each_table_as_files_sorted_by_subject(
    spark_scored_city: SparkScoredCity, spark_master: str
) -> None:
    ws = Workspace.open(spark_scored_city.spark)
    folder = ws.root / "results" / f"run_{spark_scored_city.made['run_id']}"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*RESULT_TABLES, LAYOUT_FILE])
    assert not list((ws.root / "results").glob("*.partial"))
    assert not list(ws.temp_dir.glob("spark-inputs-*"))  # the handed-over inputs are gone
    con = duckdb.connect()
    for name in RESULT_TABLES:
        parts = sorted((folder / name).glob("*.parquet"))
        assert parts, name
        for part in parts:
            keys = con.execute(
                f"SELECT subject_kind, subject_code FROM read_parquet('{part.as_posix()}')"
            ).fetchall()
            assert keys == sorted(keys), (name, part.name)
    # a subject's rows are in one file: the plan's partitions are by subject
    files = con.execute(
        f"SELECT subject_code, COUNT(DISTINCT filename) FROM read_parquet("
        f"'{(folder / 'score_lines').as_posix()}/*.parquet', filename = true) GROUP BY 1 "
        "HAVING COUNT(DISTINCT filename) > 1"
    ).fetchall()
    assert files == []
    # ... the one file of its hash part, which the layout names: a lookup opens one file
    session = spark_engine.local_session(spark_master)
    parts = json.loads((folder / LAYOUT_FILE).read_text(encoding="utf-8"))["parts"]
    assert parts == int(session.conf.get("spark.sql.shuffle.partitions")) > 1
    for name in RESULT_TABLES:
        placed = con.execute(
            "SELECT DISTINCT subject_kind, subject_code, parse_filename(filename) FROM "
            f"read_parquet('{(folder / name).as_posix()}/*.parquet', filename = true)"
        ).fetchall()
        assert placed, name
        wrong = [(k, c, file) for k, c, file in placed
                 if int(file.split("-")[1]) != part_of(parts, k, c)]  # fmt: skip
        assert wrong == [], (name, wrong[:3])
    lines = con.execute(
        f"SELECT COUNT(*) FROM {subject_scan(folder, 'score_lines', *placed[0][:2])} "
        "WHERE subject_kind = ? AND subject_code = ?", list(placed[0][:2])
    ).fetchone()
    assert lines is not None and lines[0] > 0
    # the layout's hash is Spark's own, for codes and for any text (names, non-ASCII, tails)
    texts = [(k, c) for k, c, _ in placed[:200]] + [
        ("organization", "瀾城建设有限公司"), ("person", ""), ("x" * 7, "é" * 5), ("a", "\u00ff")
    ]
    spark = session.createDataFrame(texts, "k string, c string").selectExpr("k", "c", "hash(k, c)")
    assert [tuple(row) for row in spark.collect()] == [(k, c, spark_hash(k, c)) for k, c in texts]
    types = dict(con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("
        f"'{(folder / 'scores').as_posix()}/*.parquet'))"
    ).fetchall())  # fmt: skip
    assert types["score"] == "INTEGER" and types["as_of"] == "DATE" and types["scored"] == "BOOLEAN"


def test_a_run_that_fails_half_way_leaves_nothing_a_reader_sees(
    scored_city: ScoredCity, spark_master: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.open(copy_city(scored_city, tmp_path / "ws"))
    con = ws.connect()
    try:
        before = results.require_current(con).run_id
        runs_before = len(results.runs(con))
    finally:
        con.close()
    write = spark_engine.SparkEngine.write_result
    written: list[str] = []

    def fail_on_the_third(engine: Any, name: str, folder: Path, kept: bool = False) -> None:
        if len(written) == 2:
            raise RuntimeError("executor lost")
        write(engine, name, folder, kept)
        written.append(name)

    monkeypatch.setattr(spark_engine.SparkEngine, "write_result", fail_on_the_third)
    with pytest.raises(RuntimeError, match="executor lost"):
        score_workspace(ws, scored_city.ruleset, scored_city.as_of, engine="spark",
                        spark_master=spark_master)  # fmt: skip
    con = ws.connect()
    try:
        assert results.require_current(con).run_id == before
        assert len(results.runs(con)) == runs_before
    finally:
        con.close()
    (partial,) = (ws.root / "results").glob("run_*.partial")  # what the job wrote, named by none
    assert sorted(p.name for p in partial.iterdir()) == sorted([*written, LAYOUT_FILE])
    monkeypatch.setattr(spark_engine.SparkEngine, "write_result", write)
    run = score_workspace(ws, scored_city.ruleset, scored_city.as_of, engine="spark",
                          spark_master=spark_master)  # fmt: skip
    assert not partial.exists()  # the next run sweeps it
    assert sorted(p.name for p in (ws.root / "results").iterdir()) == [f"run_{run.run_id}"]


@pytest.mark.own_spark_application
def test_a_million_records_score_on_a_driver_of_512_megabytes(
    spark_master: str, tmp_path: Path
) -> None:
    """The driver plans and counts: a 1M-record workspace scores on Spark with its heap capped
    at 512 MB (its own process: a JVM's heap is fixed when it starts), as DuckDB scores it."""
    from bench.phases import generate, ingest

    spark_engine.stop_session()  # an application of this process would hold the cluster's cores
    generate(tmp_path / "data", 100_000, 1_000_000, "2026-06-30")
    assert ingest(tmp_path / "data", tmp_path / "ws")["loaded"] >= 990_000
    ruleset = str(default_ruleset_path("starter"))  # the benchmark's records are written for it
    done = subprocess.run(
        [*CLI, "score", "-w", str(tmp_path / "ws"), "--ruleset", ruleset, "--as-of",
         "2026-06-30", "--engine", "spark", "--spark-master", spark_master,
         "--spark-driver-memory", "512m", "--format", "json"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    on_spark = json.loads(done.stdout)
    assert on_spark["subjects"] >= 90_000
    on_duckdb = json.loads(_cli("score", "-w", str(tmp_path / "ws"), "--ruleset", ruleset,
                                "--as-of", "2026-06-30", "--format", "json"))  # fmt: skip
    assert on_spark["results_digest"] == on_duckdb["results_digest"]
