"""Ingest on Spark equals ingest on DuckDB: records, quarantine with reasons, batches, files.

The synthetic city (every source, its bad rows included) is ingested into two workspaces,
one per engine, on the test session's standalone cluster; then a source split in two files is
ingested as one batch on both, and again on Spark, which adds nothing; a kill -9 of a Spark
ingest before its commit leaves nothing visible, and a rerun completes it.
"""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_files
from credence.store import Workspace
from credence.synth.city import generate_city
from tests.test_resolve_spark import on_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.slow

TABLES = {
    "records": "SELECT * EXCLUDE (ingested_at) FROM records ORDER BY record_id",
    "quarantine": "SELECT * FROM quarantine ORDER BY batch_id, row_number",
    "batches": "SELECT * EXCLUDE (committed_at) FROM batches ORDER BY batch_id",
    "batch_files": "SELECT * FROM batch_files ORDER BY batch_id, file_index",
}


def _dump(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    con = ws.connect()
    try:
        ws.refresh_records_view(con)
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_city(tmp_path_factory.mktemp("city"), 300, 90, 11, date(2026, 11, 1))


@on_spark
def test_the_city_ingested_on_spark_equals_the_city_ingested_on_duckdb(
    city: Any, spark: SparkSession, spark_master: str, tmp_path: Path
) -> None:
    from credence.ingest.on_spark import ingest_files_on_spark

    on_duckdb = Workspace.init(tmp_path / "duckdb")
    on_cluster = Workspace.init(tmp_path / "spark")
    formats = set()
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        file = city.path(entry.file)
        formats.add(file.suffix)
        want = ingest_files(on_duckdb, [file], mapping).to_dict()
        got = ingest_files_on_spark(on_cluster, [file], mapping, spark_master).to_dict()
        assert {**got, "seconds": 0} == {**want, "seconds": 0}, entry.source
    assert formats == {".csv", ".jsonl", ".parquet"}
    want_rows, got_rows = _dump(on_duckdb), _dump(on_cluster)
    reasons = {row[5] for row in want_rows["quarantine"]}
    assert {"bad_check_digit", "unparseable_date", "future_date", "forbidden_category"} <= reasons
    assert len(want_rows["records"]) > 3000
    for table in TABLES:
        assert got_rows[table] == want_rows[table], table
    parquet_batches = [row for row in want_rows["batches"] if row[4] != "inline"]
    assert parquet_batches, "some source is big enough to be written as Parquet"


@on_spark
def test_a_source_in_two_files_is_one_batch_on_both_engines_and_a_rerun_adds_nothing(
    city: Any, spark: SparkSession, spark_master: str, tmp_path: Path
) -> None:
    from credence.ingest.on_spark import ingest_files_on_spark

    entry = max(
        (e for e in city.sources if city.path(e.file).suffix == ".csv"),
        key=lambda e: city.path(e.file).stat().st_size,
    )
    mapping = load_mapping(city.path(entry.mapping))
    with city.path(entry.file).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    folder = tmp_path / "export"
    folder.mkdir()
    half = len(rows) // 2
    for name, part in (("a.csv", rows[1:half]), ("b.csv", rows[half:])):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([rows[0], *part])
    files = sorted(folder.glob("*.csv"))
    on_duckdb = Workspace.init(tmp_path / "duckdb")
    on_cluster = Workspace.init(tmp_path / "spark")
    want = ingest_files(on_duckdb, files, mapping)
    got = ingest_files_on_spark(on_cluster, files, mapping, spark_master)
    assert got.batch_id == want.batch_id
    assert [f.first_row for f in got.files] == [1, half]
    assert {**got.to_dict(), "seconds": 0} == {**want.to_dict(), "seconds": 0}
    assert _dump(on_cluster) == _dump(on_duckdb)
    again = ingest_files_on_spark(on_cluster, files, mapping, spark_master)
    assert again.already_ingested and again.loaded == 0
    assert _dump(on_cluster)["records"] == _dump(on_duckdb)["records"]


# The real command line on the cluster, held still after the executors wrote the batch (checked
# rows, records sorted by subject, id index) and before the catalog commits it: a kill -9 there
# leaves the most work on disk that no reader may see.
HOLD_BEFORE_COMMIT = """
import time
from credence.ingest import on_spark
def hold(*args, **kwargs):
    print("held", flush=True)
    time.sleep(300)
on_spark.publish_batch = hold
from credence.cli.app import main
main()
"""


@on_spark
@pytest.mark.own_spark_application
def test_a_kill_9_of_a_spark_ingest_leaves_nothing_visible_and_a_rerun_completes(
    spark_master: str, tmp_path: Path
) -> None:
    from credence.engines.spark_engine import stop_session
    from tests.test_ingest_many_files import (
        CLI,
        FIXTURES,
        SOURCE,
        big_folder,
        killed_when_held,
        query,
    )

    stop_session()  # the cluster's two cores go to the command line's application
    data = big_folder(tmp_path / "export")
    root = tmp_path / "ws"
    Workspace.init(root)
    args = ["ingest", str(data), "-s", SOURCE, "-m", str(FIXTURES / f"{SOURCE}.yaml")]
    args += ["-w", str(root), "-f", "json", "--engine", "spark", "--spark-master", spark_master]
    err = killed_when_held([HOLD_BEFORE_COMMIT, *args])
    ws = Workspace.open(root)
    (staging,) = ws.temp_dir.glob("ingest-*")
    written = sorted(p.name for p in (staging / "records").glob("*.parquet"))
    assert written and written[0] == "part-00000.parquet", err[-2000:]  # the executors' batch
    for table in ("batches", "batch_files", "quarantine", "records"):
        assert query(ws, f"SELECT count(*) FROM {table}") == [(0,)], table

    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert not report["already_ingested"] and (report["rows_in"], report["loaded"]) == (450, 450)
    assert not staging.exists()  # the rerun removed what the killed one left
    on_duckdb = Workspace.init(tmp_path / "duckdb")
    ingest_files(on_duckdb, sorted(data.glob("*.csv")), load_mapping(FIXTURES / f"{SOURCE}.yaml"))
    assert _dump(ws) == _dump(on_duckdb)
