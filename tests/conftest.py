"""Shared fixtures: a small generated city, ingested and scored once per test session."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

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

    with pytest.MonkeyPatch.context() as patch:
        # a JVM this short-lived spends more on compiling than it saves: the quick compiler only
        patch.setenv("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        return local_session(spark_master)


SPARK_FIXTURES = {"spark", "spark_master", "spark_cluster_dir"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on the cluster runs in one xdist worker (``--dist loadgroup``): one cluster
    and one warm Spark application for them all, not one per worker fighting for two cores."""
    for item in items:
        if SPARK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("spark"))
