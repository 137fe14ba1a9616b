"""Rescore only the subjects new records touched, and leave everyone else's rows as they are.

A subject's score, lines, listings and measures depend on its own records alone (no rule can
reach another subject), so the per-subject explainer, which a property test holds equal to the
SQL plan, recomputes exactly the rows a full rescore would write for that subject. This module
swaps those rows in, in one transaction, on top of the current run of the same ruleset and day,
in that run's own tables (``runs/results.py``): the new run shares its storage and replaces it as
the current one in the same commit. A test compares the result with a full rescore.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from credence.model import RESULT_TABLES
from credence.rules.explain import Explanation, explain
from credence.rules.loader import ruleset_hash
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.runs.results import DIGEST_PARTS, RunResults, ScoreRun, digest_sql
from credence.runs.score import score_workspace
from credence.sql import insert_rows, transaction
from credence.store import Workspace
from credence.store.record_index import BatchFiles, batch_subjects, subject_history
from credence.store.rulesets import stored_ruleset
from credence.store.subjects import refresh_subject_index

Subject = tuple[str, str]  # (subject_kind, subject_code)

# Past this many touched subjects a full rescore is cheaper than one explainer run per subject.
INCREMENTAL_MAX_SUBJECTS = 5_000

_TABLES = RESULT_TABLES


def rescore_subjects(
    ws: Workspace,
    ruleset: Ruleset,
    as_of: date,
    subjects: Iterable[Subject],
    con: duckdb.DuckDBPyConnection | None = None,
) -> ScoreRun:
    """Rescore the given subjects in place; a full rescore when the last run differs.

    ``con`` lets a long-lived caller (the service) reuse its connection and its cached Parquet
    footers; without it one is opened and closed here.
    """
    wanted = sorted(set(subjects))
    digest = ruleset_hash(ruleset)
    own = con is None
    db = ws.connect() if con is None else con
    try:
        last = results.current(db)
        if (
            last is None
            or last.ruleset_hash != digest
            or last.as_of != as_of
            or not last.in_catalog  # results kept as files are not updated in place
        ):
            if own:
                db.close()
                own = False
            return score_workspace(ws, ruleset, as_of)
        refresh_subject_index(ws, db)
        ensure_subject_indexes(db, last)
        with transaction(db):
            return rescore_in_transaction(ws, db, ruleset, as_of, wanted, last)
    finally:
        if own:
            db.close()


def rescore_in_transaction(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    ruleset: Ruleset,
    as_of: date,
    subjects: Iterable[Subject],
    last: RunResults,
    explained: dict[Subject, Explanation] | None = None,
    files: BatchFiles | None = None,
    parquet_rows: Mapping[Subject, list[dict[str, Any]]] | None = None,
) -> ScoreRun:
    """Swap in the subjects' new rows and record the run, inside the caller's transaction.

    ``last`` is the current run, which must be of this ruleset and day (its row's digest and
    scored count as the caller last knew them); the subject index and
    the results' subject indexes must be up to date (see ``rescore_subjects``). Each subject's
    new explanation goes into ``explained`` when given (what the caller answers with);
    ``files``, the committed Parquet batches, when the caller keeps them; ``parquet_rows``,
    subjects' rows in them, when the caller has read them already.
    """
    wanted = sorted(set(subjects))
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    rows = {name: [] for name in _TABLES}  # type: dict[str, list[dict[str, Any]]]
    for kind, code in wanted:
        read = None if parquet_rows is None else parquet_rows.get((kind, code))
        records, decisions = subject_history(ws, con, kind, code, files, read)
        ex = explain(ruleset, kind, code, records, as_of, decisions)
        if explained is not None:
            explained[(kind, code)] = ex
        for name, new in _rows_of(ex, ruleset).items():
            rows[name].extend(new)
    before, after, scored_change = _swap(con, last, wanted, rows)
    folded = _fold(str(last.row.get("results_digest") or ""), before, after)
    if folded is None:
        (folded,) = con.execute(digest_sql(last)).fetchone() or ("",)
    scored = last.row.get("scored")
    scored = None if scored is None else int(scored) + scored_change
    return _record_run(con, last, ruleset, as_of, started, started_at, str(folded), scored)


def rescore_batches(ws: Workspace, batch_ids: list[str]) -> tuple[ScoreRun | None, int]:
    """Bring the last run up to date with new batches: (the run, how many subjects they touch).

    The last run's ruleset and day are kept. Only the subjects the batches name are rescored
    (everyone when they are very many); None before any run, when there is nothing to update.
    """
    con = ws.connect()
    try:
        last = results.current(con)
        if last is None:
            return None, 0
        ruleset = stored_ruleset(con, last.ruleset_hash)
        as_of = last.as_of
        touched = batch_subjects(ws, con, batch_ids)
        if not touched:
            return None, 0
        if len(touched) <= INCREMENTAL_MAX_SUBJECTS:
            return rescore_subjects(ws, ruleset, as_of, touched, con=con), len(touched)
    finally:
        con.close()
    return score_workspace(ws, ruleset, as_of), len(touched)


def ensure_subject_indexes(con: duckdb.DuckDBPyConnection, last: RunResults) -> None:
    """Index a run's tables by subject code, so a subject's rows are found without a scan.

    Built on first use after a full rescore (whose new tables have none), never on the batch
    path; DuckDB only uses such an index for a filter on that one column, so the queries below
    filter by code and check the kind afterwards.
    """
    names = [f"{name}_by_subject" for name in _TABLES]
    marks = ", ".join("?" for _ in names)
    found = con.execute(
        f"SELECT COUNT(*) FROM duckdb_indexes() WHERE schema_name = ? AND index_name IN ({marks})",
        [last.storage, *names],
    ).fetchall()
    if found and found[0][0] == len(names):
        return
    for name in _TABLES:
        con.execute(
            f"CREATE INDEX IF NOT EXISTS {name}_by_subject ON {last.table(name)} (subject_code)"
        )


def _subject_rows(
    con: duckdb.DuckDBPyConnection,
    last: RunResults,
    tables: Iterable[tuple[str, str]],
    subjects: list[Subject],
    scored_rows: list[int],
    shared: set[tuple[str, str]],
) -> dict[str, tuple[tuple[int, int], list[int]]]:
    """The subjects' rows in each results table (name, digest hash expression), found through
    the subject indexes in one query per subject: per table, (how many and the XOR of their
    digest hashes, their row ids). The row ids of their scored rows in ``scores`` are added to
    ``scored_rows``, and (table, code) to ``shared`` where another kind of subject has the code."""
    named = list(tables)
    found: dict[str, tuple[tuple[int, int], list[int]]] = {}
    counts = {name: [0, 0] for name, _ in named}
    rowids: dict[str, list[int]] = {name: [] for name, _ in named}
    query = " UNION ALL ".join(
        f"SELECT '{name}' AS t, rowid, subject_kind, ({row_hash})::UBIGINT AS h, "
        f"{'scored' if name == 'scores' else 'false'} AS scored FROM {last.table(name)} "
        "WHERE subject_code = $code"
        for name, row_hash in named
    )
    for kind, code in subjects:
        for table, rowid, row_kind, value, scored in con.execute(query, {"code": code}).fetchall():
            if row_kind == kind:
                counts[table][0] += 1
                counts[table][1] ^= int(value or 0)
                rowids[table].append(int(rowid))
                if scored:
                    scored_rows.append(int(rowid))
            else:
                shared.add((table, code))
    for name, _ in named:
        found[name] = ((counts[name][0], counts[name][1]), rowids[name])
    return found


def _fold(previous: str, before: list[tuple[int, int]], after: list[tuple[int, int]]) -> str | None:
    """The run digest with the subjects' old rows taken out and their new rows put in (XOR
    cancels each old row); None when the previous digest is not in the expected form."""
    pieces = previous.split("/")
    if len(pieces) != len(DIGEST_PARTS):
        return None
    folded: list[str] = []
    for piece, (old_n, old_x), (new_n, new_x) in zip(pieces, before, after, strict=True):
        count, _, xor = piece.partition(":")
        if not count.isdigit() or not xor.isdigit():
            return None
        folded.append(f"{int(count) - old_n + new_n}:{int(xor) ^ old_x ^ new_x}")
    return "/".join(folded)


def _rows_of(ex: Explanation, ruleset: Ruleset) -> dict[str, list[dict[str, Any]]]:
    """The rows a full rescore writes for one subject, in the plan's columns."""
    who = {"subject_kind": ex.subject_kind, "subject_code": ex.subject_code}
    if not ex.known:
        return {name: [] for name in _TABLES}
    scores = [{**who, "scored": ex.scored, "score": ex.score, "grade": ex.grade, "note": ex.note,
               "as_of": ex.as_of, "ruleset": ex.ruleset, "version": ex.version}]  # fmt: skip
    lines = [
        {**who, "rating_id": line.rating_id, "stream": line.stream,
         "requirement_id": line.requirement_id, "record_id": line.record_id,
         "source": line.source, "kind": line.kind, "occurred_at": line.occurred_at,
         "amount": line.amount, "points": line.points, "cap": line.cap,
         "occurrence": line.occurrence, "counted": line.counted,
         "points_applied": line.points_applied, "expires_on": line.expires_on,
         "category": line.category, "legal_basis": line.legal_basis, "severity": line.severity}
        for line in ex.lines
    ]  # fmt: skip
    points: dict[str, dict[str, Any]] = {}
    for line in ex.lines:
        entry = points.setdefault(
            line.rating_id,
            {**who, "rating_id": line.rating_id, "stream": line.stream, "points": 0,
             "lines": 0, "counted_lines": 0},
        )  # fmt: skip
        entry["points"] += line.points_applied
        entry["lines"] += 1
        entry["counted_lines"] += int(line.counted)
    listings = [
        {"list_name": item.list_name, **who, "record_id": item.record_id,
         "requirement_id": item.requirement_id, "state": item.state,
         "proposed_on": item.proposed_on, "published_on": item.published_on,
         "expires_on": item.expires_on}
        for item in ex.listings
    ]  # fmt: skip
    measures = [
        {**who, "measure_id": m.measure_id, "via": m.via,
         "effect": json.dumps(m.effect, sort_keys=True), "legal_basis": m.legal_basis}
        for m in ex.measures
    ]  # fmt: skip
    return {"scores": scores, "score_lines": lines, "rating_points": list(points.values()),
            "listings": listings, "subject_measures": measures}  # fmt: skip


def _swap(
    con: duckdb.DuckDBPyConnection,
    last: RunResults,
    subjects: list[Subject],
    rows: dict[str, list[dict[str, Any]]],
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    """Delete the subjects' old rows and insert the new ones (inside the caller's transaction);
    return the digest part of each digest table for the old rows and for the new ones (the
    insert returns the new rows' hashes), and how many more subjects are scored."""
    hashes = dict(DIGEST_PARTS)
    scored_before: list[int] = []
    shared: set[tuple[str, str]] = set()
    old = _subject_rows(
        con,
        last,
        ((name, hashes.get(name, "0")) for name in _TABLES),
        subjects,
        scored_before,
        shared,
    )
    new: dict[str, tuple[int, int]] = {}
    for name in _TABLES:
        table = last.table(name)
        rowids = old[name][1]
        if rowids and len(subjects) == 1 and (name, subjects[0][1]) not in shared:
            # Every row with the code is the subject's own: deleted through the code's index.
            con.execute(f"DELETE FROM {table} WHERE subject_code = ?", [subjects[0][1]])
        elif rowids:
            marks = ", ".join("?" for _ in rowids)
            con.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", rowids)
        new[name] = (0, 0)
        if rows[name]:
            returning = f" RETURNING ({hashes[name]})::UBIGINT" if name in hashes else ""
            inserted = insert_rows(con, table, rows[name], returning)
            if returning:
                xor = 0
                for (value,) in inserted:
                    xor ^= int(value or 0)
                new[name] = (len(inserted), xor)
    tables = [name for name, _ in DIGEST_PARTS]
    scored_after = sum(1 for row in rows["scores"] if row["scored"])
    return [old[t][0] for t in tables], [new[t] for t in tables], scored_after - len(scored_before)


def _record_run(
    con: duckdb.DuckDBPyConnection,
    last: RunResults,
    ruleset: Ruleset,
    as_of: date,
    started: float,
    started_at: datetime,
    digest: str,
    scored: int | None = None,
) -> ScoreRun:
    """Record the updated results as a new run in the current run's storage, made current."""
    # The folded digest already counts the rows of scores and score_lines.
    counts = dict(zip((t for t, _ in DIGEST_PARTS), digest.split("/"), strict=False))
    subjects, lines = (int(counts[t].partition(":")[0]) for t in ("scores", "score_lines"))
    if scored is None:  # a run from before runs kept their count
        (scored,) = con.execute(
            last.sql("SELECT COUNT(*) FROM {scores} WHERE scored")
        ).fetchone() or (0,)
    run = ScoreRun(
        run_id=results.new_run_id(), as_of=as_of, ruleset=ruleset.ruleset,
        version=ruleset.version, ruleset_hash=last.ruleset_hash, subjects=int(subjects),
        scored=int(scored), lines=int(lines), seconds=time.perf_counter() - started,
        results_digest=digest,
    )  # fmt: skip
    results.finish(con, run, "incremental", started_at, None, True, last.storage, in_place=True)
    return run
