"""The results seam: a scoring run's results, addressed by the run's id.

A run is written aside under its own id (``begin``: a sink the engine fills), then recorded in
``score_runs`` and, when published, made current by the same commit (``finish``). Every reader
asks here for a run (``current``, ``of_run``) and builds its queries on the ``RunResults`` it
gets, never naming a result table itself; a test holds every other module to that. A
reproduction or a governance sandbox run is an unpublished run: written the same way, never
current, so it can never change what readers see. See docs/architecture.md, "The results seam".
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from credence.errors import CredenceError, NotFoundError
from credence.model import RESULT_TABLES
from credence.sql import dict_rows
from credence.store.results import (
    CURRENT_KEY,
    CatalogSink,
    ParquetSink,
    drop_storage,
    empty_result,
    in_catalog,
    open_sink,
    parquet_dir,
    qualified,
    scan,
    subject_scan,
)

# An order-free fingerprint of a run's results: equal results give equal digests. Each table
# contributes its row count and the XOR of its rows' hashes, so a change to a few subjects can be
# folded in without reading the rest (``runs/incremental.py``).
DIGEST_PARTS = (
    ("scores", "hash(subject_kind, subject_code, score::BIGINT, grade)"),
    ("score_lines", "hash(record_id, points_applied::BIGINT)"),
    ("listings", "hash(list_name, subject_code, record_id, state)"),
)
_PLACE = re.compile(r"\{(" + "|".join(RESULT_TABLES) + r")\}")


@dataclass(frozen=True)
class ScoreRun:
    """What a scoring run did, for the CLI and the benchmark."""

    run_id: str
    as_of: date
    ruleset: str
    version: str
    ruleset_hash: str
    subjects: int
    scored: int
    lines: int
    seconds: float
    results_digest: str = ""


@dataclass(frozen=True)
class RunResults:
    """One run's results as a reader sees them: its row in ``score_runs`` and its tables."""

    row: dict[str, Any]
    storage: str
    folder: str | None = None  # where a run kept as Parquet files is, resolved when it is read

    @property
    def run_id(self) -> str:
        return str(self.row["run_id"])

    @property
    def as_of(self) -> date:
        value = self.row["as_of"]
        assert isinstance(value, date)
        return value

    @property
    def ruleset_hash(self) -> str:
        return str(self.row["ruleset_hash"])

    @property
    def exists(self) -> bool:
        """False for ``NO_RESULTS``: what readers see before the first run."""
        return bool(self.storage)

    @property
    def in_catalog(self) -> bool:
        """Whether the tables are the catalog's own (and so can be updated in place)."""
        return in_catalog(self.storage)

    def table(self, result: str, subject: tuple[str, str] | None = None) -> str:
        """The quoted name of one of the run's tables (scores, score_lines, listings, ...);
        before the first run, an empty relation with the table's columns.

        A reader of one subject names it: of a run kept as files, only the files that can hold
        its rows are read (the query must still filter on the subject)."""
        if not self.storage:
            return empty_result(result)
        if self.folder is not None:
            if subject is not None:
                return subject_scan(self.folder, result, *subject)
            return scan(self.folder, result)
        return qualified(self.storage, result)

    def sql(self, text: str) -> str:
        """``text`` with ``{scores}``, ``{listings}``, ... replaced by this run's tables."""
        return _PLACE.sub(lambda found: self.table(found.group(1)), text)

    def digest(self, con: duckdb.DuckDBPyConnection) -> str:
        """The digest of the results as they are now (see ``DIGEST_PARTS``)."""
        (found,) = con.execute(digest_sql(self)).fetchone() or ("",)
        return str(found)


# What a reader sees before the first run: every result table empty.
NO_RESULTS = RunResults({"run_id": None, "ruleset_hash": None}, "")


def digest_sql(results: RunResults) -> str:
    return "SELECT " + " || '/' || ".join(
        f"(SELECT COUNT(*) || ':' || COALESCE(bit_xor({row_hash}), 0) FROM {results.table(t)})"
        for t, row_hash in DIGEST_PARTS
    )


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def begin(
    con: duckdb.DuckDBPyConnection, run_id: str, store: str = "catalog"
) -> CatalogSink | ParquetSink:
    """Storage for a new run's results (``catalog`` or ``parquet``), inside the caller's
    transaction."""
    return open_sink(con, run_id, store)


def of_storage(con: duckdb.DuckDBPyConnection, run_id: str, storage: str) -> RunResults:
    """A run's results while it is being written (not yet in ``score_runs``)."""
    return _results(con, {"run_id": run_id, "storage": storage})


def _results(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> RunResults:
    storage = str(row["storage"])
    folder = None if in_catalog(storage) else parquet_dir(con, storage).as_posix()
    return RunResults(row, storage, folder)


def current(con: duckdb.DuckDBPyConnection) -> RunResults | None:
    """The current run's results, or None before the first published run."""
    rows = dict_rows(
        con.execute(
            "SELECT r.* FROM meta m JOIN score_runs r ON r.run_id = m.value "
            "WHERE m.key = ? AND r.storage IS NOT NULL",
            [CURRENT_KEY],
        )
    )
    return _results(con, rows[0]) if rows else None


def require_current(con: duckdb.DuckDBPyConnection) -> RunResults:
    """The current run's results, or an error saying how to make the first."""
    found = current(con)
    if found is None:
        raise NotFoundError("no scoring run yet: run `credence score` first")
    return found


def run_row(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """A run's row in ``score_runs``, kept or not."""
    rows = dict_rows(con.execute("SELECT * FROM score_runs WHERE run_id = ?", [run_id]))
    if not rows:
        raise NotFoundError(f"no scoring run {run_id!r}: see `credence runs`")
    return rows[0]


def of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> RunResults:
    """A run's results, while they are kept (the current run's, or an unpublished run's)."""
    row = run_row(con, run_id)
    now = current(con)
    shared = now is not None and now.run_id != run_id and now.storage == row.get("storage")
    if row.get("storage") is None or shared:
        raise NotFoundError(
            f"the results of run {run_id} are no longer kept: "
            f"`credence score --reproduce {run_id}` recomputes them"
        )
    return _results(con, row)


def finish(
    con: duckdb.DuckDBPyConnection,
    run: ScoreRun,
    engine: str,
    started_at: datetime,
    known_at: datetime | None,
    publish: bool,
    storage: str,
    reproduces: str | None = None,
    in_place: bool = False,
) -> RunResults:
    """Record a run kept in ``storage`` (its own sink's, or, ``in_place``, the current run's
    tables it updated) and, when ``publish``, make it current: all in the caller's transaction,
    so readers see the old run or the new one, never a mix.

    A run in storage of its own keeps the run it replaces (a reader that began on it finishes
    on it) and forgets the published runs before that one.
    """
    kept = storage
    row: dict[str, Any] = {
        "run_id": run.run_id, "as_of": run.as_of, "ruleset": run.ruleset,
        "version": run.version, "ruleset_hash": run.ruleset_hash, "engine": engine,
        "started_at": started_at, "finished_at": datetime.now(UTC), "subjects": run.subjects,
        "lines": run.lines, "known_at": known_at or started_at,
        "results_digest": run.results_digest, "scored": run.scored, "storage": kept,
        "published": publish, "reproduces": reproduces,
    }  # fmt: skip
    # In place, the run updated shares its storage with the new one and so no longer has
    # results of its own: ``current`` tells them apart (the hot path of a post writes no more).
    replaced = current(con) if publish and not in_place else None
    con.execute(
        f"INSERT INTO score_runs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    if replaced is not None:
        # The runs updated in place before the one replaced shared its tables: not theirs.
        con.execute(
            "UPDATE score_runs SET storage = NULL WHERE storage = ? AND run_id <> ?",
            [replaced.storage, replaced.run_id],
        )
        keep = [kept, replaced.storage]
        for (old,) in con.execute(
            "SELECT DISTINCT storage FROM score_runs WHERE published AND storage IS NOT NULL "
            "AND storage NOT IN (?, ?)",
            keep,
        ).fetchall():
            drop_storage(con, str(old))
            con.execute("UPDATE score_runs SET storage = NULL WHERE storage = ?", [old])
    if publish and in_place:  # the key is there: an update costs a fifth of a replace
        con.execute("UPDATE meta SET value = ? WHERE key = ?", [run.run_id, CURRENT_KEY])
    elif publish:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [CURRENT_KEY, run.run_id])
    return _results(con, row)


def discard(con: duckdb.DuckDBPyConnection, results: RunResults) -> None:
    """Forget an unpublished run's tables; its row stays as the record that it ran."""
    now = current(con)
    if now is not None and now.storage == results.storage:
        raise CredenceError("internal: the current run's results cannot be discarded")
    drop_storage(con, results.storage)
    con.execute("UPDATE score_runs SET storage = NULL WHERE run_id = ?", [results.run_id])


def counts(con: duckdb.DuckDBPyConnection, results: RunResults) -> tuple[int, int, int]:
    """(subjects, scored subjects, score lines) of a run's tables."""
    subjects, scored = con.execute(
        results.sql("SELECT COUNT(*), COUNT(*) FILTER (WHERE scored) FROM {scores}")
    ).fetchone() or (0, 0)
    (lines,) = con.execute(results.sql("SELECT COUNT(*) FROM {score_lines}")).fetchone() or (0,)
    return int(subjects), int(scored), int(lines)


def runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every run on record, oldest first, with whether it is current and its results kept."""
    return dict_rows(
        con.execute(
            "SELECT r.* REPLACE (CASE WHEN r.run_id IS DISTINCT FROM m.value "
            "AND r.storage = c.storage THEN NULL ELSE r.storage END AS storage), "
            "r.run_id IS NOT DISTINCT FROM m.value AS current "
            "FROM score_runs r LEFT JOIN meta m ON m.key = ? "
            "LEFT JOIN score_runs c ON c.run_id = m.value ORDER BY r.finished_at",
            [CURRENT_KEY],
        )
    )
