"""The default engine: DuckDB, embedded, over the workspace's catalog and Parquet records."""

from __future__ import annotations

from typing import Any

import duckdb

from credence.engines.base import StepProgress
from credence.rules.compile import Plan
from credence.sql import dict_rows


class DuckDBEngine:
    """Runs plans on one DuckDB connection; result tables land in that connection's database."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run_plan(self, plan: Plan, progress: StepProgress | None = None) -> None:
        """Materialise every step in one transaction: readers never see half a run."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            for index, step in enumerate(plan.steps):
                if progress:
                    progress(step.name, index, len(plan.steps))
                kind = "TEMP TABLE" if step.temporary else "TABLE"
                sql = step.sql(self.dialect)
                self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {sql}")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        if progress:
            progress("done", len(plan.steps), len(plan.steps))

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return dict_rows(self.con.execute(sql, params or []))
