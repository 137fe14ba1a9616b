"""Score a workspace under any ruleset and day without touching its catalog.

A sandbox is an in-memory DuckDB catalog holding copies of what a run reads besides the record
files: the identity links and the decisions on single records. Its ``records`` are the run
inputs' tree (``store/inputs.py``) over the workspace's committed records and those links, so a
sandbox run counts what ``credence score`` counts. Each run is an unpublished run of the results
seam (``runs/results.py``) in the sandbox's own catalog: several sit side by side, each under its
id, and can be compared with one join.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

import duckdb

from credence.engines.duckdb_engine import DuckDBEngine
from credence.errors import CredenceError
from credence.rules.compile import compile_plan
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.results import RunResults, ScoreRun
from credence.sql import lit, transaction
from credence.store import Workspace
from credence.store.catalog import migrate
from credence.store.inputs import LINKS, RunInputs
from credence.store.results import qualified

UNKNOWN_DISTRICT = "unknown"
# Catalog tables a run reads besides the record files: copied into the sandbox.
COPIED_TABLES = ("record_overrides", LINKS)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ON_LIST = "on_list"  # a sandbox run's own derived table: who is on each list that day

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
    """One scoring run inside a sandbox, named for the reader (``old``, ``new``, ``eval``)."""

    name: str
    ruleset: Ruleset
    as_of: date
    results: RunResults

    def table(self, result: str) -> str:
        """The sandbox table holding one result (scores, score_lines, listings, ..., on_list)."""
        if result == ON_LIST:
            return f'"{self.results.storage}"."{ON_LIST}"'
        return self.results.table(result)

    def identity(self) -> dict[str, str]:
        return {
            "ruleset": self.ruleset.ruleset,
            "version": self.ruleset.version,
            "hash": ruleset_hash(self.ruleset),
            "as_of": self.as_of.isoformat(),
        }


class Sandbox:
    """An in-memory catalog over committed record files, for what-if scoring."""

    def __init__(
        self,
        files: list[str],
        temp_dir: Path | None = None,
        memory_limit: str = "2GB",
        copies: dict[str, duckdb.DuckDBPyRelation] | None = None,
    ) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = {lit(memory_limit)}")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = {lit(temp_dir.as_posix())}")
        migrate(self.con)  # every catalog table, empty: the copied tables keep their shape
        links = False
        for table, rows in (copies or {}).items():
            copied = rows.to_arrow_table()
            self.con.register("copied", copied)
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM copied")
            self.con.unregister("copied")
            links = links or (table == LINKS and copied.num_rows > 0)
        self.inputs = RunInputs(tuple(files), None, links)
        self.con.execute(f"CREATE VIEW records AS {self.inputs.records_sql()}")
        self.con.execute(
            "CREATE OR REPLACE TABLE subjects AS SELECT subject_kind, subject_code, "
            "MIN(occurred_at) AS first_seen FROM records WHERE subject_code IS NOT NULL "
            "GROUP BY subject_kind, subject_code"
        )
        self._districts = False

    @classmethod
    def for_workspace(cls, ws: Workspace, con: duckdb.DuckDBPyConnection) -> Sandbox:
        """A sandbox over the records, links and decisions of the catalog ``con`` reads."""
        present = {name for (name,) in con.execute("SHOW TABLES").fetchall()}
        copies = {t: con.sql(f"SELECT * FROM {t}") for t in COPIED_TABLES if t in present}
        return cls(ws.record_files(con), ws.temp_dir, copies=copies)

    def score(self, ruleset: Ruleset, as_of: date, name: str) -> SandboxRun:
        """Run the plan of ``ruleset`` on ``as_of`` as an unpublished run, labelled ``name``."""
        if not _NAME.match(name):
            raise CredenceError(f"internal: {name!r} cannot name a sandbox run")
        started, started_at = time.perf_counter(), datetime.now(UTC)
        run_id = results.new_run_id()
        with transaction(self.con):
            sink = results.begin(self.con, run_id)
            DuckDBEngine(self.con).run(compile_plan(ruleset, as_of), self.inputs, sink)
            written = results.of_storage(self.con, run_id, sink.storage)
            subjects, scored, lines = results.counts(self.con, written)
            run = ScoreRun(
                run_id, as_of, ruleset.ruleset, ruleset.version, ruleset_hash(ruleset),
                subjects, scored, lines, time.perf_counter() - started, written.digest(self.con),
            )  # fmt: skip
            kept = results.finish(
                self.con, run, "sandbox", started_at, None, False, sink.storage
            )
            # Who is on each list that day: proposed or published (not expired, repaired, revoked).
            self.con.execute(
                f'CREATE TABLE "{kept.storage}"."{ON_LIST}" AS '
                "SELECT subject_kind, subject_code, bool_or(list_name = 'black') AS black, "
                "bool_or(list_name = 'red') AS red "
                f"FROM {qualified(kept.storage, 'listings')} "
                "WHERE state IN ('proposed', 'published') GROUP BY ALL"
            )
        return SandboxRun(name, ruleset, as_of, kept)

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
