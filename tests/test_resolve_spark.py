"""Resolution on Spark: the same comparison levels, training, model and decisions as on DuckDB.

One Spark application serves every Spark test of the worker (starting one takes seconds).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from credence.cli import resolve_cmd
from credence.errors import CredenceError
from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.resolve.comparisons import comparison
from credence.resolve.config import LinkConfig, Thresholds, Training, parse_config
from credence.resolve.features import side_table
from credence.resolve.pipeline import ResolveReport, load_configs, resolve_workspace
from credence.resolve.spark_sql import duckdb_model, spark_model, to_spark
from credence.store import Workspace
from credence.synth import CityManifest, generate_city

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Test = TypeVar("Test")
END = date(2026, 6, 30)
FIXTURES = Path(__file__).parent / "fixtures" / "resolve"
NO_SPARK = importlib.util.find_spec("pyspark") is None or shutil.which("java") is None
SPARK_MARKS = (
    pytest.mark.spark, pytest.mark.slow,
    pytest.mark.skipif(NO_SPARK, reason="needs PySpark (pip install '.[spark]') and Java"),
)  # fmt: skip
# The source resolved on both engines: people by name, birth date and district, trained by EM
# on two of its blocking rules (firm names, addresses and the other comparisons are held equal
# level by level below).
SOURCES = ("jiangbin-traffic-police/person",)
TRAINING = Training(min_em_pairs=20, em_blocking=[["birth_date", "district"], ["name", "district"]])
# Between these, rows split into links and review pairs: decisions near a threshold are the
# ones a difference between engines would change.
THRESHOLDS = Thresholds(accept=0.9999996, review=0.5)
# Both engines train the same model from the same pairs; only the order in which Spark and
# DuckDB add up the EM sums differs, a few units in the last place of a double.
TOLERANCE = 1e-12


def on_spark(test: Test) -> Test:
    """Mark a test that runs Spark (skipped where PySpark or Java is missing)."""
    for mark in SPARK_MARKS:
        test = mark(test)
    return test


def _app() -> typer.Typer:
    app = typer.Typer()
    resolve_cmd.register(app)
    return app


# --- the similarity functions and every comparison level ------------------------------------


def _words() -> list[str | None]:
    rnd = random.Random(7)
    with (FIXTURES / "people_left.csv").open(encoding="utf-8", newline="") as handle:
        names = [row["full_name"].lower() for row in csv.DictReader(handle)][:40]
    noise = ["".join(rnd.choice("aab张𠀀 ") for _ in range(rnd.randint(0, 8))) for _ in range(30)]
    # pairs whose Winkler boost DuckDB rounds as one fused multiply-add
    fused = ["bai ronghua", "boyu huang", "cai huaying", "cai xuanjia"]
    cjk = ["澜城市西山区恒达建材有限公司", "西山恒达建材", "张三丰", "张三风", "王秀英", "秀英王"]
    return [*names, *noise, *fused, *cjk, "", "a", "ab", "ba", None]


@on_spark
def test_similarities_equal_duckdb_to_the_bit(spark: SparkSession) -> None:
    words = _words()
    pairs = pa.table({"a": [a for a in words for _ in words],
                      "b": [b for _ in words for b in words]})  # fmt: skip
    functions = ["jaro_similarity(a, b)", "jaro_winkler_similarity(a, b)", "levenshtein(a, b)"]
    select = ", ".join(f"{f} AS f{i}" for i, f in enumerate(functions))
    con = duckdb.connect()
    con.register("pairs", pairs)
    expected = con.sql(f"SELECT {select} FROM pairs").to_arrow_table()
    spark.createDataFrame(pairs).createOrReplaceTempView("pairs")
    got = spark.sql(to_spark(f"SELECT {select} FROM pairs")).toArrow()
    for i, function in enumerate(functions):
        want, have = expected.column(f"f{i}").to_pylist(), got.column(f"f{i}").to_pylist()
        differ = [(a, b, x, y) for a, b, x, y in zip(pairs["a"].to_pylist(),
                  pairs["b"].to_pylist(), want, have, strict=True) if x != y]  # fmt: skip
        assert differ == [], (function, differ[:5])
    scores = dict(zip(zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(), strict=True),
                      zip(expected["f0"].to_pylist(), expected["f1"].to_pylist(), strict=True),
                      strict=True))  # fmt: skip
    jaro, winkler = scores[("bai ronghua", "boyu huang")]
    assert winkler != jaro + (1 * 0.1) * (1.0 - jaro)  # rounded once, as a fused multiply-add


LEVELS_CONFIG = """
left: {id: rec_id}
right: {id: person_id}
fields:
  - {field: name, compare: name, left: full_name, right: [first_name, last_name]}
  - {field: born, compare: date, left: birth, right: dob, date_formats: ["%d/%m/%Y"]}
  - {field: address, compare: address, left: addr, right: address}
  - {field: id_number, compare: identity_number, left: id_no, right: national_id}
  - {field: firm, compare: firm_name, left: full_name, right: last_name}
  - {field: given, compare: jaro_winkler, left: full_name, right: [first_name, last_name]}
  - {field: town, compare: jaro, left: addr, right: address}
  - {field: code, compare: levenshtein, left: id_no, right: national_id}
  - {field: legacy, compare: legacy_number, left: id_no, right: national_id}
  - {field: full, compare: exact, left: full_name, right: [first_name, last_name]}
blocking: [[born]]
"""


def _side_rows(name: str, ids: set[str], id_column: str) -> dict[str, list[Any]]:
    with (FIXTURES / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r[id_column] in ids]
    return {c: [r[c] or None for r in rows] for c in rows[0]}


def _key_pairs(config: LinkConfig) -> pa.Table:
    """Every left row against every right row: its keys on each side, suffixed _l and _r."""
    with (FIXTURES / "people_truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))[:30]
    left = _side_rows("people_left", {t["rec_id"] for t in truth}, "rec_id")
    right = _side_rows("people_right", {t["person_id"] for t in truth}, "person_id")
    keys = [side_table(config, side, rows[column], rows)
            for side, rows, column in (("left", left, "rec_id"),
                                       ("right", right, "person_id"))]  # fmt: skip
    n, m = keys[0].num_rows, keys[1].num_rows
    out = {f"{c}_l": keys[0].column(c).take([i for i in range(n) for _ in range(m)])
           for c in keys[0].column_names}  # fmt: skip
    out |= {f"{c}_r": keys[1].column(c).take([j for _ in range(n) for j in range(m)])
            for c in keys[1].column_names}  # fmt: skip
    return pa.table(out)


@on_spark
def test_every_comparison_level_is_chosen_alike(spark: SparkSession) -> None:
    config = parse_config(LEVELS_CONFIG)
    pairs = _key_pairs(config)
    gammas, sizes = [], {}
    for spec in config.fields:
        levels = comparison(spec)["comparison_levels"]
        sizes[spec.field] = len(levels)
        cases = " ".join(f"WHEN {lv['sql_condition']} THEN {i}" for i, lv in enumerate(levels)
                         if lv["sql_condition"] != "ELSE")  # fmt: skip
        gammas.append(f"CASE {cases} ELSE {len(levels) - 1} END AS {spec.field}")
    con = duckdb.connect()
    con.register("pairs", pairs)
    expected = con.sql(f"SELECT {', '.join(gammas)} FROM pairs").to_arrow_table()
    spark.createDataFrame(pairs).createOrReplaceTempView("pairs")
    got = spark.sql(to_spark(f"SELECT {', '.join(gammas)} FROM pairs")).toArrow()
    for spec in config.fields:
        want, have = expected[spec.field].to_pylist(), got[spec.field].to_pylist()
        assert want == have, spec.field
        reached = min(3, sizes[spec.field] - 1)  # the pairs reach several levels
        assert len(set(want)) >= reached, (spec.field, set(want))


def test_a_model_keeps_its_duckdb_sql_through_spark() -> None:
    config = parse_config(LEVELS_CONFIG)
    model = {
        "sql_dialect": "duckdb", "linker_uid": "abc",
        "comparisons": [comparison(spec) for spec in config.fields],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": 'l."born" = r."born"', "sql_dialect": "duckdb"}],
    }  # fmt: skip
    on_spark_ = spark_model(model)
    assert on_spark_["sql_dialect"] == "spark" and on_spark_["linker_uid"] == "abc"
    conditions = [lv["sql_condition"] for c in on_spark_["comparisons"]
                  for lv in c["comparison_levels"]]  # fmt: skip
    assert not any("list_has_any" in c or "jaro_winkler_similarity" in c for c in conditions)
    assert on_spark_["blocking_rules_to_generate_predictions"][0]["blocking_rule"] == (
        "l.`born` = r.`born`"
    )
    back = duckdb_model(on_spark_, model)
    assert back["comparisons"] == model["comparisons"]
    assert back["blocking_rules_to_generate_predictions"] == model[
        "blocking_rules_to_generate_predictions"]
    assert back["sql_dialect"] == "duckdb"


# --- a generated city, resolved on both engines ----------------------------------------------


@dataclass(frozen=True)
class Resolved:
    city: CityManifest
    duck: Workspace
    spark: Workspace
    reports: dict[str, ResolveReport]


def _ingested(city: CityManifest, root: Path, sources: set[str]) -> Workspace:
    ws = Workspace.init(root)
    for entry in city.sources:
        if entry.source in sources:
            ingest_file(ws, city.path(entry.file), load_mapping(city.path(entry.mapping)))
    return ws


@pytest.fixture(scope="module")
def resolved(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Resolved:
    root = tmp_path_factory.mktemp("resolve-spark")
    city = generate_city(root / "city", 600, 60, 5, END)
    configs = [
        c.model_copy(update={"thresholds": THRESHOLDS, "training": TRAINING})
        for c in load_configs([city.path(f) for e in city.sources for f in e.resolve])
        if c.key in SOURCES
    ]  # fmt: skip
    assert city.registry is not None and len(configs) == len(SOURCES)
    sources = {str(c.source) for c in configs}
    workspaces, reports = {}, {}
    master = spark.sparkContext.master
    for engine in ("duckdb", "spark"):
        ws = workspaces[engine] = _ingested(city, root / engine, sources)
        reports[engine] = resolve_workspace(ws, configs, city.path(city.registry),
                                            engine=engine, spark_master=master)  # fmt: skip
    return Resolved(city, workspaces["duckdb"], workspaces["spark"], reports)


def _outcome(ws: Workspace) -> dict[str, Any]:
    con = ws.connect()
    try:
        return {
            "links": {r: (c, p) for r, c, p in con.execute(
                "SELECT record_id, subject_code, probability FROM record_links").fetchall()},
            "review": {(r, c): p for r, c, p in con.execute(
                "SELECT record_id, subject_code, probability FROM resolve_review "
                "WHERE status = 'pending'").fetchall()},
            "models": {k: json.loads(m) for k, m in con.execute(
                "SELECT config_key, model FROM resolve_models").fetchall()},
        }  # fmt: skip
    finally:
        con.close()


def _parameters(model: dict[str, Any]) -> list[tuple[str, str, float | None, float | None]]:
    return [(c["output_column_name"], lv["sql_condition"], lv.get("m_probability"),
             lv.get("u_probability"))
            for c in model["comparisons"] for lv in c["comparison_levels"]]  # fmt: skip


@on_spark
def test_spark_links_and_queues_what_duckdb_does(resolved: Resolved) -> None:
    duck, spark = _outcome(resolved.duck), _outcome(resolved.spark)
    assert duck["links"] and duck["review"], "the thresholds split rows into both outcomes"
    assert {r: c for r, (c, _p) in spark["links"].items()} == {
        r: c for r, (c, _p) in duck["links"].items()}
    assert spark["review"].keys() == duck["review"].keys()
    for record, (_code, probability) in duck["links"].items():
        assert spark["links"][record][1] == pytest.approx(probability, abs=TOLERANCE)
    for pair, probability in duck["review"].items():
        assert spark["review"][pair] == pytest.approx(probability, abs=TOLERANCE)
    # trained on each engine, the same model, stored in DuckDB SQL either way
    assert duck["models"].keys() == spark["models"].keys() == set(SOURCES)
    for key, model in duck["models"].items():
        theirs = spark["models"][key]
        assert theirs["sql_dialect"] == "duckdb"
        for ours, other in zip(_parameters(model), _parameters(theirs), strict=True):
            assert ours[:2] == other[:2]
            for a, b in zip(ours[2:], other[2:], strict=True):
                assert (a is None and b is None) or b == pytest.approx(a, abs=TOLERANCE)
    by_engine = {e: {s.source: s for s in r.sources} for e, r in resolved.reports.items()}
    assert any(s.em_rules for s in by_engine["duckdb"].values()), "EM ran"
    for source, outcome in by_engine["duckdb"].items():
        other = by_engine["spark"][source]
        assert (other.linked, other.review, other.em_rules) == (
            outcome.linked, outcome.review, outcome.em_rules)
    assert resolved.reports["spark"].engine == "spark"


@on_spark
def test_the_cli_resolves_again_on_spark_with_the_stored_model(
    resolved: Resolved, spark_master: str
) -> None:
    before = {s.source: s for s in resolved.reports["spark"].sources}
    result = CliRunner().invoke(_app(), [
        "resolve", "-w", str(resolved.spark.root), "--engine", "spark",
        "--spark-master", spark_master, "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    again = json.loads(result.output)
    assert again["engine"] == "spark"
    waiting = 0
    for outcome in again["sources"]:
        first = before[outcome["source"]]
        assert outcome["rows"] == first.rows - first.linked and not outcome["trained"]
        assert outcome["linked"] == 0 and outcome["review"] == first.review
        if outcome["rows"]:  # rows left: scored again by the stored model, on Spark
            assert outcome["model_id"] == first.model_id
            waiting += outcome["rows"]
    assert waiting > 0
    assert _outcome(resolved.spark)["review"].keys() == _outcome(resolved.duck)["review"].keys()


# --- the command line and its errors, no Spark needed -----------------------------------------


def test_resolve_help_names_the_engine_options() -> None:
    result = CliRunner().invoke(_app(), ["resolve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--engine" in result.output and "--spark-master" in result.output
    assert "duckdb|spark" in result.output and "local[*]" in result.output


def test_an_unknown_engine_is_refused_before_any_work(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(CredenceError, match="unknown engine 'presto'"):
        resolve_workspace(ws, engine="presto")
    result = CliRunner().invoke(_app(), ["resolve", "-w", str(ws.root), "--engine", "presto"])
    assert result.exit_code == 2 and "presto" in result.output


def test_spark_that_cannot_start_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credence.engines import spark_engine

    def no_java(master: str = "local[*]", memory: str = "4g") -> Any:
        raise RuntimeError("[JAVA_GATEWAY_EXITED] Java gateway process exited")

    monkeypatch.setattr(spark_engine, "local_session", no_java)
    ws = Workspace.init(tmp_path / "ws")
    (tmp_path / "registry.csv").write_text(
        "code,kind,name\n110101199003074514,person,王伟\n", encoding="utf-8"
    )
    (tmp_path / "a.resolve.yaml").write_text(
        "source: a\nfields: [{field: name, compare: name}]\nblocking: [[name]]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(_app(), [
        "resolve", "-w", str(ws.root), "--registry", str(tmp_path / "registry.csv"),
        "-c", str(tmp_path / "a.resolve.yaml"), "--engine", "spark",
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "Spark did not start" in result.output and "Java 17+" in result.output
