"""Score a workspace under any ruleset and day without touching its catalog.

A sandbox is an in-memory DuckDB database with ``records`` (a view over the workspace's committed
Parquet batches), ``subjects`` (computed from them) and a copy of the decisions on single records
(upheld appeals, approved repairs) that scoring honours. Each run materialises the plan's result
tables and renames them after the run (``old_scores``, ``new_listings``, ...), so several runs sit
side by side and can be compared with one join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

import duckdb

from credence.engines.duckdb_engine import DuckDBEngine
from credence.errors import CredenceError
from credence.model import RECORD_COLUMNS, RECORD_SQL_TYPES
from credence.rules.compile import RESULT_TABLES, compile_plan
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Ruleset
from credence.store import Workspace
from credence.store.catalog import migrate
from credence.store.subjects import SUBJECTS_FROM_RECORDS

UNKNOWN_DISTRICT = "unknown"
# Catalog tables a plan reads besides records and subjects: copied into the sandbox.
DECISION_TABLES = ("record_overrides",)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# The latest non-null district hint over a subject's records (ties broken by record id).
_DISTRICTS = f"""
CREATE OR REPLACE TABLE districts AS
SELECT s.subject_kind, s.subject_code, COALESCE(d.district, '{UNKNOWN_DISTRICT}') AS district
FROM subjects AS s LEFT JOIN (
    SELECT subject_kind, subject_code,
           arg_max(json_extract_string(hints, '$.district'), (occurred_at, record_id)) AS district
    FROM records
    WHERE subject_code IS NOT NULL AND json_extract_string(hints, '$.district') IS NOT NULL
    GROUP BY subject_kind, subject_code
) AS d USING (subject_kind, subject_code)
"""


@dataclass(frozen=True)
class SandboxRun:
    """One scoring run inside a sandbox: its tables are ``<name>_scores`` and so on."""

    name: str
    ruleset: Ruleset
    as_of: date

    def table(self, result: str) -> str:
        """The sandbox table holding one result (scores, score_lines, listings, ...)."""
        if result not in (*RESULT_TABLES, "on_list"):
            raise CredenceError(f"internal: no result table {result!r}")
        return f"{self.name}_{result}"

    def identity(self) -> dict[str, str]:
        return {
            "ruleset": self.ruleset.ruleset,
            "version": self.ruleset.version,
            "hash": ruleset_hash(self.ruleset),
            "as_of": self.as_of.isoformat(),
        }


class Sandbox:
    """An in-memory database over committed record files, for what-if scoring."""

    def __init__(
        self, files: list[str], temp_dir: Path | None = None, memory_limit: str = "2GB"
    ) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = '{_quote(temp_dir.as_posix())}'")
        migrate(self.con)  # every catalog table, empty: the decision tables keep their shape
        self.con.execute(f"CREATE VIEW records AS {_records_body(files)}")
        self.con.execute(f"CREATE OR REPLACE TABLE subjects AS {SUBJECTS_FROM_RECORDS}")
        self._districts = False

    @classmethod
    def for_workspace(cls, ws: Workspace, con: duckdb.DuckDBPyConnection) -> Sandbox:
        """A sandbox over the batches and decisions of the catalog ``con`` is connected to."""
        sandbox = cls(ws.record_files(con), ws.temp_dir)
        present = {name for (name,) in con.execute("SHOW TABLES").fetchall()}
        for table in DECISION_TABLES:
            if table in present:
                sandbox.con.register("copied", con.sql(f"SELECT * FROM {table}").to_arrow_table())
                sandbox.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM copied")
                sandbox.con.unregister("copied")
        return sandbox

    def score(self, ruleset: Ruleset, as_of: date, name: str) -> SandboxRun:
        """Run the plan of ``ruleset`` on ``as_of``; keep its results under ``name``."""
        if not _NAME.match(name) or name in ("cr", "records", "subjects", "districts"):
            raise CredenceError(f"internal: {name!r} cannot name a sandbox run")
        run = SandboxRun(name, ruleset, as_of)
        for result in (*RESULT_TABLES, "on_list"):
            self.con.execute(f"DROP TABLE IF EXISTS {run.table(result)}")
        DuckDBEngine(self.con).run_plan(compile_plan(ruleset, as_of))
        for result in RESULT_TABLES:
            self.con.execute(f"ALTER TABLE {result} RENAME TO {run.table(result)}")
        # Who is on each list that day: proposed or published (not expired, repaired, revoked).
        self.con.execute(
            f"CREATE TABLE {run.table('on_list')} AS "
            "SELECT subject_kind, subject_code, bool_or(list_name = 'black') AS black, "
            "bool_or(list_name = 'red') AS red "
            f"FROM {run.table('listings')} WHERE state IN ('proposed', 'published') GROUP BY ALL"
        )
        return run

    def districts(self) -> str:
        """The table of each subject's district (``unknown`` without a hint), built once."""
        if not self._districts:
            self.con.execute(_DISTRICTS)
            self._districts = True
        return "districts"

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _records_body(files: list[str]) -> str:
    if files:
        listing = ", ".join(f"'{_quote(f)}'" for f in files)
        return f"SELECT {', '.join(RECORD_COLUMNS)} FROM read_parquet([{listing}])"
    typed = ", ".join(f"CAST(NULL AS {RECORD_SQL_TYPES[c]}) AS {c}" for c in RECORD_COLUMNS)
    return f"SELECT {typed} WHERE false"
