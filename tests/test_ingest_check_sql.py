"""The ingest's SQL checks of codes and categories equal their references, on both engines.

python-stdnum is the reference for codes (``compact``, ``is_valid`` of GB 32100 and GB 11643,
its region database) and ``model.is_forbidden_category`` for the safeguard; the SQL written
once in ``ingest/check_sql.py`` must give their answers on DuckDB and, unchanged, on Spark.
"""

from __future__ import annotations

import functools
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric

from credence import birth_regions as regions
from credence.identifiers import compact, generate_ric, generate_uscc, is_valid_code
from credence.ingest import check_sql
from credence.model import (
    FORBIDDEN_CATEGORIES,
    FORBIDDEN_STEMS,
    FORBIDDEN_WORDS,
    HARMLESS_PHRASES,
    is_forbidden_category,
)
from credence.store import Workspace
from tests.test_resolve_spark import on_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Code = tuple[str, str]  # (subject kind, raw code)
LOOK_ALIKES = "-\u2013\u2014\u2212\uff0d \u00a0\u3000\uff11\uff38"  # dashes, spaces, full-width


@functools.cache
def checks_sql(dialect: str) -> str:
    """Every code and category check over a table ``t(n, kind, raw, category)``, as the ingest
    composes them: compact first, then validity with the region join for people."""

    def check(name: str, *columns: str) -> str:
        return check_sql.printed(name, dialect, *columns)

    valid = (
        f"CASE c.kind WHEN 'person' THEN {check('ric_valid_but_region', 'c.code')}"
        " AND r.region IS NOT NULL"
        f" WHEN 'organization' THEN {check('uscc_valid', 'c.code')} ELSE FALSE END"
    )
    return f"""SELECT c.kind, c.raw, c.code, {valid} AS valid,
        {check("shown_code", "c.kind", "c.code")} AS shown,
        {check("forbidden_category", "c.category")} AS forbidden
    FROM (SELECT t.*, {check("compact_code", "t.raw")} AS code FROM t) c
    LEFT JOIN regions r ON c.kind = 'person' AND r.region = substr(c.code, 1, 6)
        AND {check("birth_year", "c.code")} BETWEEN r.first_year AND r.last_year
    ORDER BY c.n"""


def expected(kind: str, raw: str) -> tuple[str, bool]:
    """What python-stdnum says of a raw code: its compact spelling and whether it is valid."""
    code = compact(raw)
    return code, is_valid_code(kind, code)


def on_duckdb(codes: list[Code], categories: list[str]) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        size = max(len(codes), len(categories))
        padded = codes + [("organization", "")] * (size - len(codes))
        named = categories + ["x"] * (size - len(categories))
        con.register("t", pa.table({
            "n": range(size), "kind": [k for k, _ in padded], "raw": [r for _, r in padded],
            "category": named,
        }))  # fmt: skip
        con.register("regions", regions.region_table())
        return con.execute(checks_sql("duckdb")).fetchall()[: max(len(codes), len(categories))]
    finally:
        con.close()


# --- generated codes: valid ones and their corruptions -----------------------------------


ALPHABET = "0123456789X" + check_sql.USCC_ALPHABET + "IOSVZ" + LOOK_ALIKES
HOWS = ("valid", "digit", "swap", "cut", "separators", "lower", "junk")


def corrupted(kind: str, seed: int, how: str, at: int, extra: str) -> Code:
    """A valid generated code of ``kind``, then spoilt ``how`` at position ``at``."""
    rng = random.Random(seed)
    code = generate_ric(rng) if kind == "person" else generate_uscc(rng)
    if how == "digit":
        code = code[:at] + extra[:1] + code[at + 1 :]
    elif how == "swap" and at < 17:
        code = code[:at] + code[at + 1] + code[at] + code[at + 2 :]
    elif how == "cut":
        code = code[:at] + code[at + 1 :]
    elif how == "separators":
        code = code[:at] + "".join(c for c in extra if c in LOOK_ALIKES)[:3] + code[at:]
    elif how == "lower":
        code = code.lower()
    elif how == "junk":
        code = extra or "0"
    return kind, code


def codes() -> st.SearchStrategy[Code]:
    return st.builds(
        corrupted, st.sampled_from(["person", "organization"]), st.integers(0, 2**32),
        st.sampled_from(HOWS), st.integers(0, 17), st.text(ALPHABET + "澜城", max_size=20),
    )  # fmt: skip


def random_codes(rng: random.Random, n: int) -> list[Code]:
    """The same kinds of codes as ``codes()``, drawn by a seeded generator (for Spark)."""
    def junk() -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(20)))

    return [
        corrupted(rng.choice(["person", "organization"]), rng.randrange(2**32), rng.choice(HOWS),
                  rng.randrange(18), junk())
        for _ in range(n)
    ]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(codes(), min_size=1, max_size=40))
def test_the_sql_code_checks_equal_python_stdnum(found: list[Code]) -> None:
    rows = on_duckdb(found, [])
    assert [(kind, raw, code, valid) for kind, raw, code, valid, _, _ in rows] == [
        (kind, raw, *expected(kind, raw)) for kind, raw in found
    ]


def test_valid_and_corrupted_codes_both_occur_in_the_generated_sample() -> None:
    """The property above is not vacuous: stdnum accepts some and refuses others."""
    rng = random.Random(3)
    sample = [("person", generate_ric(rng)) for _ in range(50)]
    sample += [("organization", generate_uscc(rng)) for _ in range(50)]
    sample += [(k, c[:-1] + ("0" if c[-1] != "0" else "1")) for k, c in sample]
    rows = on_duckdb(sample, [])
    assert [valid for *_, valid, _, _ in rows] == [True] * 100 + [False] * 100


def test_a_persons_number_is_masked_and_a_firms_code_is_not() -> None:
    rng = random.Random(5)
    person, firm = generate_ric(rng), generate_uscc(rng)
    rows = on_duckdb([("person", person), ("organization", firm), ("person", "123")], [])
    assert [shown for *_, shown, _ in rows] == [
        person[:6] + "*" * 11 + person[-1], firm, "***",
    ]  # fmt: skip


# --- the region periods: stdnum's database, year by year -----------------------------------


def _stdnum_accepts(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except Exception:  # stdnum's refusals: InvalidComponent, and KeyError for half-known regions
        return False
    return True


def test_the_region_periods_say_what_stdnum_says_at_every_year_that_matters() -> None:
    periods = regions.region_periods()
    by_region: dict[str, list[tuple[int, int]]] = {}
    for region, first, last in periods:
        by_region.setdefault(region, []).append((first, last))
    assert len(by_region) > 3000  # all of China's counties, not a hand-typed few
    renamed = [r for r, spans in by_region.items() if spans != [(1, 9999)]]
    assert renamed, "some counties existed only for some years"
    for region in [*renamed, *random.Random(1).sample(sorted(by_region), 300)]:
        # stdnum's answer can change only at the years its county text names for the region
        text = str(numdb.get("cn/loc").info(region))
        named = {int(y) for y in re.findall(r"\d{4}", text)}
        years = {1, 1949, 2000, 9999} | {y + d for y in named for d in (-1, 0, 1)}
        for year in sorted(y for y in years if 1 <= y <= 9999):
            inside = any(first <= year <= last for first, last in by_region[region])
            assert inside == _stdnum_accepts(region, year), (region, year)
    unknown = [f"{n:06d}" for n in range(0, 1_000_000, 997) if f"{n:06d}" not in by_region]
    assert not any(_stdnum_accepts(region, 1990) for region in unknown)


def test_each_regions_periods_are_disjoint_so_the_join_finds_one_row() -> None:
    last_seen: dict[str, int] = {}
    for region, first, last in regions.region_periods():
        assert first <= last
        assert first > last_seen.get(region, 0), region
        last_seen[region] = last


# --- the safeguard on categories -----------------------------------------------------------


def _pieces() -> list[str]:
    words = [*FORBIDDEN_CATEGORIES, *FORBIDDEN_WORDS, *HARMLESS_PHRASES]
    stems = [s + tail for s in FORBIDDEN_STEMS for tail in ("", "al", "_x")]
    return [*words, *stems, "credit", "tax", "value", "a", "b", "third", "counter", "late"]


@settings(max_examples=200, deadline=None)
@given(st.lists(
    st.lists(st.one_of(st.sampled_from(_pieces()), st.text("abcxyz", max_size=4)), max_size=4)
    .flatmap(lambda parts: st.tuples(st.just(parts), st.lists(
        st.sampled_from(["_", "-", ".", "__", "_-"]), min_size=len(parts), max_size=len(parts))))
    .flatmap(lambda p: st.tuples(st.just("".join(a + b for a, b in zip(*p, strict=True))),
                                 st.sampled_from(["lower", "upper", "title"]))),
    min_size=1, max_size=30,
))  # fmt: skip
def test_the_sql_category_safeguard_equals_its_python_definition(
    names: list[tuple[str, str]],
) -> None:
    categories = [getattr(name, case)() for name, case in names]
    rows = on_duckdb([], categories)
    assert [forbidden for *_, forbidden in rows] == [is_forbidden_category(c) for c in categories]


def test_harmless_phrases_pass_and_their_words_alone_do_not() -> None:
    names = ["credit_union", "third_party", "union", "party", "credit_union_party", "faith",
             "religious_affiliation", "gps-trace", "tax.health", "late_payment"]  # fmt: skip
    rows = on_duckdb([], names)
    assert [f for *_, f in rows] == [False, False, True, True, True, True, True, True, True, False]


# --- the same SQL, unchanged, on Spark -----------------------------------------------------


@on_spark
def test_spark_runs_the_same_checks_and_gives_the_same_answers(spark: SparkSession) -> None:
    rng = random.Random(11)
    sample = random_codes(rng, 300) + [("person", generate_ric(rng)) for _ in range(100)]
    categories = [rng.choice(_pieces()) + rng.choice(["", "_x", "-late", ".a"]) for _ in range(400)]
    rows = [(n, k, r, c) for n, ((k, r), c) in enumerate(zip(sample, categories, strict=True))]
    spark.createDataFrame(rows, "n INT, kind STRING, raw STRING, category STRING") \
        .createOrReplaceTempView("t")
    spark.createDataFrame(
        list(regions.region_periods()), "region STRING, first_year INT, last_year INT"
    ).createOrReplaceTempView("regions")
    got = [tuple(r) for r in spark.sql(checks_sql("spark")).collect()]
    want = on_duckdb(sample, categories)
    assert got == want
    assert {valid for *_, valid, _, _ in got} == {True, False}


def test_the_catalog_keeps_the_periods_and_remakes_them_when_missing(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    con = ws.connect()
    try:
        held = con.execute("SELECT * FROM birth_regions ORDER BY region, first_year").fetchall()
        assert held == sorted(regions.region_periods())
        con.execute("DROP TABLE birth_regions")
    finally:
        con.close()
    con = ws.connect()
    try:
        assert con.execute("SELECT count(*) FROM birth_regions").fetchall()[0][0] == len(held)
    finally:
        con.close()
