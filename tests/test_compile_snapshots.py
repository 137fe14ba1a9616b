"""Golden SQL: the plan compiled from a small ruleset, kept per dialect.

A change to the compiler shows up here as a reviewed diff. Regenerate with
``CREDENCE_UPDATE_SNAPSHOTS=1 pytest tests/test_compile_snapshots.py``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from credence.rules.compile import compile_plan
from credence.rules.loader import load_ruleset

HERE = Path(__file__).resolve().parent
RULESET = HERE / "fixtures" / "rulesets" / "design.yaml"


def _render(dialect: str) -> str:
    plan = compile_plan(load_ruleset(RULESET), date(2026, 11, 27))
    parts = []
    for name, sql in plan.sql(dialect):
        pretty = sqlglot.transpile(sql, read=dialect, write=dialect, pretty=True)[0]
        parts.append(f"-- {name}\n{pretty};\n")
    return "\n".join(parts)


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_compiled_plan_matches_the_snapshot(dialect: str) -> None:
    snapshot = HERE / "snapshots" / f"design_plan.{dialect}.sql"
    rendered = _render(dialect)
    if os.environ.get("CREDENCE_UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.exists(), f"{snapshot.name} is missing: regenerate it (see the docstring)"
    assert rendered == snapshot.read_text(encoding="utf-8")


def test_the_duckdb_snapshot_runs() -> None:
    """The golden SQL is not just text: it executes on an empty records table."""
    import duckdb

    from credence.model import RECORD_COLUMNS, RECORD_SQL_TYPES
    from credence.store.subjects import SUBJECTS_FROM_RECORDS
    from tests.test_plan_explainer_agree import OVERRIDES_DDL

    con = duckdb.connect()
    columns = ", ".join(f"{c} {RECORD_SQL_TYPES[c]}" for c in RECORD_COLUMNS)
    con.execute(f"CREATE TABLE records ({columns})")
    con.execute(f"CREATE TABLE subjects AS {SUBJECTS_FROM_RECORDS}")
    con.execute(OVERRIDES_DDL)
    plan = compile_plan(load_ruleset(RULESET), date(2026, 11, 27))
    for name, sql in plan.sql("duckdb"):
        con.execute(f"CREATE TABLE {name} AS {sql}")
    assert con.execute("SELECT COUNT(*) FROM scores").fetchone() == (0,)
