"""The default engine: DuckDB, embedded, over the workspace's catalog and Parquet records."""

from __future__ import annotations

from typing import Any

import duckdb

from credence.rules.compile import Plan


class DuckDBEngine:
    """Runs plans on one DuckDB connection; result tables land in that connection's database."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run_plan(self, plan: Plan) -> None:
        for step in plan.steps:
            kind = "TEMP TABLE" if step.temporary else "TABLE"
            self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {step.sql(self.dialect)}")

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
