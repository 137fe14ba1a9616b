"""The default engine: DuckDB, embedded, over the workspace's catalog and Parquet records."""

from __future__ import annotations

from typing import Any

import duckdb
from sqlglot import exp

from credence.engines.base import ResultSink, StepProgress
from credence.model import RESULT_SCHEMAS
from credence.rules.compile import Plan
from credence.sql import dict_rows
from credence.store.inputs import RunInputs

# The names a plan reads its inputs by, and the views a run binds them to on this connection.
INPUT_VIEWS = {
    "records": "cr_in_records",
    "subjects": "cr_in_subjects",
    "record_overrides": "cr_in_overrides",
}


class DuckDBEngine:
    """Runs plans on one DuckDB connection: the catalog's own, so results land in it directly."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run(
        self,
        plan: Plan,
        inputs: RunInputs,
        sink: ResultSink,
        progress: StepProgress | None = None,
    ) -> None:
        """Bind the plan to the inputs (as temporary views) and its results to the sink's tables,
        then materialise it in the caller's transaction."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW cr_in_records AS {inputs.records_sql()}")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW cr_in_subjects AS {inputs.subjects_sql()}")
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW cr_in_overrides AS {inputs.overrides_sql()}"
        )
        # A result goes straight into its catalog table, or (results kept elsewhere) into a
        # temporary table of its own that the sink then takes.
        outputs = {name: sink.catalog_table(name) or f"cr_result_{name}" for name in RESULT_SCHEMAS}
        mapping = {**INPUT_VIEWS, **outputs}
        for index, step in enumerate(plan.steps):
            if progress:
                progress(step.name, index, len(plan.steps))
            sql = exp.replace_tables(step.query, mapping).sql(dialect=self.dialect)
            if step.local:  # read by one later step: streamed there, never kept
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {step.name} AS {sql}")
            elif step.name not in outputs:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {step.name} AS {sql}")
            elif sink.catalog_table(step.name) is not None:
                columns = RESULT_SCHEMAS[step.name]
                casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns)
                self.con.execute(
                    f"CREATE TABLE {outputs[step.name]} AS SELECT {casts} FROM ({sql})"
                )
            else:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {outputs[step.name]} AS {sql}")
                sink.write_sql(step.name, f"SELECT * FROM {outputs[step.name]}")
        if progress:
            progress("done", len(plan.steps), len(plan.steps))

    def run_plan(self, plan: Plan, progress: StepProgress | None = None) -> None:
        """Materialise every step as a table named after it, over the ``records``, ``subjects``
        and ``record_overrides`` of this database, in one transaction (for tests of the plan
        itself on a database of their own; a scoring run goes through ``run``)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            for index, step in enumerate(plan.steps):
                if progress:
                    progress(step.name, index, len(plan.steps))
                kind = "TEMP VIEW" if step.local else "TEMP TABLE" if step.temporary else "TABLE"
                sql = step.sql(self.dialect)
                self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {sql}")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return dict_rows(self.con.execute(sql, params or []))

    def close(self) -> None:
        """The connection is the caller's: nothing to release."""

