"""Days, amounts and a double's text mean the same on DuckDB and on Spark (``value_sql``)."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pytest

from credence.errors import IngestError
from credence.ingest import value_sql
from tests.test_resolve_spark import on_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FORMATS = [None, "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y年%m月%d日", "%d.%m.%Y"]
TEXTS = [
    "20230105", "2023015", "2023-01-05", "2023-1-5", "2023-01-05 07:13:29", "2023-01-05T07:13:29Z",
    "2023/01/05", "2023年01月05日", "05.01.2023", "5.1.2023", "2023-02-29", "2024-02-29",
    "2023-13-45", "yesterday", "31/02/20xx", "2023", "2023-01", "12d", "1e3", "inf", "NaN", "-0",
    ".5", "5.", "+3", "1,000", "0x10", "1e999",
]  # fmt: skip


def _duckdb(select: str, texts: list[str]) -> list[object]:
    con = duckdb.connect()
    texts_sql = "unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i"
    query = f"SELECT {select} FROM (SELECT {texts_sql}) ORDER BY i"
    return [row[0] for row in con.execute(query, [texts, texts]).fetchall()]


def test_a_format_becomes_one_shape_and_one_java_pattern() -> None:
    assert value_sql.format_shapes("%Y%m%d") == ("^[0-9]{4}[0-9]{2}[0-9]{2}$", "yyyyMMdd")
    assert value_sql.format_shapes("%d.%m.%Y") == (
        "^[0-9]{1,2}[.][0-9]{1,2}[.][0-9]{4}$", "d'.'M'.'yyyy"
    )
    with pytest.raises(IngestError, match="%b is not supported"):
        value_sql.format_shapes("%d %b %Y")


def test_days_and_amounts_take_only_their_shapes_on_duckdb() -> None:
    iso = _duckdb(value_sql.day_expr("v", None, "duckdb"), TEXTS)
    by_day = dict(zip(TEXTS, iso, strict=True))
    assert by_day["2023-1-5"] == by_day["2023-01-05T07:13:29Z"] == date(2023, 1, 5)
    assert by_day["2024-02-29"] == date(2024, 2, 29)
    assert by_day["2023-02-29"] is None and by_day["2023"] is None and by_day["2023-01"] is None
    compact_days = _duckdb(value_sql.day_expr("v", "%Y%m%d", "duckdb"), TEXTS)
    compact = dict(zip(TEXTS, compact_days, strict=True))
    assert compact["20230105"] == date(2023, 1, 5) and compact["2023015"] is None
    amounts = dict(zip(TEXTS, _duckdb(value_sql.amount_expr("v"), TEXTS), strict=True))
    assert amounts["1e3"] == 1000.0 and amounts[".5"] == 0.5 and amounts["5."] == 5.0
    assert amounts["12d"] is None and amounts["inf"] is None and amounts["NaN"] is None
    assert amounts["1e999"] is None and amounts["1,000"] is None


def _doubles() -> list[float]:
    rng = random.Random(5)
    money = [round(rng.uniform(-1e12, 1e12), rng.choice([0, 1, 2])) for _ in range(300)]
    small = [round(rng.uniform(0, 10), 2) for _ in range(100)]
    powers = [s * 10.0**e for e in range(-9, 22) for s in (1.0, 1.5, -2.25)]
    return [*money, *small, *powers, 0.0, 12345678.0, 0.30000000000000004]


def _on(spark: SparkSession, select: str, table: str) -> list[object]:
    sql = value_sql.for_engine(f"SELECT {select} FROM {table} ORDER BY i", "spark")
    return [row[0] for row in spark.sql(sql).collect()]


@on_spark
def test_spark_reads_days_amounts_and_writes_doubles_as_duckdb_does(spark: SparkSession) -> None:
    spark.conf.set("spark.sql.ansi.enabled", "true")
    frame = spark.createDataFrame([(i, t) for i, t in enumerate(TEXTS)], "i INT, v STRING")
    frame.createOrReplaceTempView("texts")
    for fmt in FORMATS:
        got = _on(spark, value_sql.day_expr("v", fmt, "spark"), "texts")
        assert got == _duckdb(value_sql.day_expr("v", fmt, "duckdb"), TEXTS), fmt
    amounts = _on(spark, value_sql.amount_expr("v"), "texts")
    assert amounts == _duckdb(value_sql.amount_expr("v"), TEXTS)
    values = _doubles()
    doubles = spark.createDataFrame(list(enumerate(values)), "i INT, a DOUBLE")
    doubles.createOrReplaceTempView("doubles")
    con = duckdb.connect()
    cast = "SELECT CAST(unnest(?::DOUBLE[]) AS VARCHAR)"
    want = [row[0] for row in con.execute(cast, [values]).fetchall()]
    assert _on(spark, value_sql.double_text("a", "spark"), "doubles") == want
