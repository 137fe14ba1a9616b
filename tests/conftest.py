"""Shared fixtures: a small generated city, ingested and scored once per test session."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from credence.actions.demo import run_demo
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.store import Workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CITY_DAY = date(2026, 6, 30)


@dataclass(frozen=True)
class ScoredCity:
    root: Path
    ws: Workspace
    ruleset: Ruleset
    as_of: date


@pytest.fixture(scope="session")
def scored_city(tmp_path_factory: pytest.TempPathFactory) -> ScoredCity:
    """A 600-person, 80-firm city through synth, ingest and score as of CITY_DAY."""
    root = tmp_path_factory.mktemp("city") / "ws"
    run_demo(root, people=600, organizations=80, seed=11, as_of=CITY_DAY)
    return ScoredCity(root, Workspace.open(root), load_ruleset(default_ruleset_path()), CITY_DAY)


@dataclass(frozen=True)
class SparkScoredCity:
    """The city with one black-listed record voided and scored again on DuckDB (``duckdb``),
    and a copy of that scored on the test cluster by ``credence score --engine spark``
    (``spark``): one Spark run that the differential, layout and reader tests all look at."""

    duckdb: Path
    spark: Path
    ruleset: Ruleset
    as_of: date
    duckdb_digest: str
    made: dict[str, Any]  # what the score command printed (--format json)
    shuffles: list[tuple[str, int]]  # the exchanges of each step, taken right after the run
    inputs_exchange: list[str]  # the partitionings of the exchanges that built cr_inputs


@pytest.fixture(scope="session")
def spark_scored_city(
    scored_city: ScoredCity, spark_master: str, tmp_path_factory: pytest.TempPathFactory
) -> SparkScoredCity:
    import json

    from typer.testing import CliRunner

    from credence.cli.app import app
    from credence.engines.spark_engine import local_session, shuffle_report, shuffles
    from credence.rules.compile import compile_plan
    from credence.runs.score import score_workspace
    from credence.store.overrides import add_override
    from tests.results_sql import at_run
    from tests.test_service_support import copy_city

    folder = tmp_path_factory.mktemp("spark-city")
    on_duckdb = copy_city(scored_city, folder / "duckdb")
    ws = Workspace.open(on_duckdb)
    con = ws.connect()
    try:  # a decision on a record, so the overrides path is taken on both engines
        (record_id,) = con.execute(
            at_run(con, "SELECT record_id FROM listings WHERE list_name = 'black' LIMIT 1")
        ).fetchone() or ("",)
        add_override(con, record_id, "void", "appeal upheld", "test")
    finally:
        con.close()
    digest = score_workspace(ws, scored_city.ruleset, scored_city.as_of).results_digest
    on_spark = folder / "spark"
    shutil.copytree(on_duckdb, on_spark)
    made = CliRunner().invoke(app, [
        "score", "--engine", "spark", "--spark-master", spark_master, "--as-of",
        scored_city.as_of.isoformat(), "--format", "json", "-w", str(on_spark),
    ])  # fmt: skip
    assert made.exit_code == 0, made.output
    plan = compile_plan(scored_city.ruleset, scored_city.as_of)
    session = local_session(spark_master)
    return SparkScoredCity(on_duckdb, on_spark, scored_city.ruleset, scored_city.as_of, digest,
                           json.loads(made.output), shuffle_report(session, plan),
                           shuffles(session, "cr_inputs"))  # fmt: skip


@pytest.fixture(scope="session")
def spark_cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Spark standalone cluster (two one-core workers on 127.0.0.1) started from the
    installed PySpark for the Spark tests of this process, and stopped after them; its state
    folder (the executors run under its ``work``)."""
    pytest.importorskip("pyspark", reason="the Spark extra is not installed")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    from credence.engines import spark_cluster

    folder = tmp_path_factory.mktemp("spark-cluster")
    spark_cluster.start(folder, workers=2, cores=1, memory="2g")
    try:
        yield folder
    finally:
        from credence.engines.spark_engine import stop_session

        stop_session()
        spark_cluster.stop(folder)


@pytest.fixture(scope="session")
def spark_master(spark_cluster_dir: Path) -> str:
    """The master URL of the test session's cluster."""
    from credence.engines import spark_cluster

    state = spark_cluster.load_state(spark_cluster_dir)
    assert state is not None
    return state.master_url


@pytest.fixture(scope="module")
def spark(spark_master: str) -> SparkSession:
    """A Spark session on the test cluster (skipped without Spark). The application outlives
    the module: its JVM, warm after the first module, serves the next one, and the cluster's
    fixture stops it at the end; a test that stopped it gets a new one here."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("needs PySpark and Java")
    from credence.engines.spark_engine import local_session

    # The JVM's own compilers: one application serves every Spark test, and its score runs
    # were measured 20% slower with the quick compiler only (-XX:TieredStopAtLevel=1).
    return local_session(spark_master)


SPARK_FIXTURES = {"spark", "spark_master", "spark_cluster_dir", "spark_scored_city"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on the cluster runs in one xdist worker (``--dist loadgroup``): one cluster
    and one warm Spark application for them all, not one per worker fighting for two cores.
    The tests that stop that application (``own_spark_application``: a command line's own
    needs the cluster's cores) run after the rest, so no later test waits for a new one."""
    for item in items:
        if SPARK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("spark"))
    items.sort(key=lambda item: item.get_closest_marker("own_spark_application") is not None)
