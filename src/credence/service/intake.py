"""A new record from an operator: one row of a registered source, with its consequences.

The row is written as a one-line JSON Lines file under ``intake/<source>/`` in the workspace (its
provenance, named by its content) and ingested with the source's registered mapping, so it meets
the same checks and quarantine as a whole export. The same row posted twice is the same batch and
adds nothing.

Everything the row changes lands in one catalog transaction: the batch and its record (or its
quarantine row), the subject index and names, the subject's rescore under the current basis, and
the audit entries saying who added it. A failure anywhere leaves none of it.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb

from credence.errors import IngestError, NotFoundError
from credence.ingest.codes import ensure_check_functions
from credence.ingest.mapping import SourceMapping
from credence.ingest.pipeline import IngestReport
from credence.ingest.registry import stored_mapping
from credence.ingest.small import ingest_small
from credence.rights.basis import Basis
from credence.rules.explain import Explanation
from credence.rules.spec import Ruleset
from credence.runs.incremental import ensure_subject_indexes, rescore_in_transaction
from credence.runs.score import ScoreRun, latest_run
from credence.service.context import Service
from credence.service.deps import ROLE_PURPOSE
from credence.service.names import advance_names, names_current, update_names
from credence.store import audit
from credence.store.audit import Pending
from credence.store.record_index import BatchFiles, batch_files, subject_parquet_rows
from credence.store.rulesets import stored_ruleset
from credence.store.subjects import ensure_code_index

INTAKE_DIR = "intake"
OPS = ROLE_PURPOSE["operator"]
_STANDING = "intake.standing"
_PREFETCH = ThreadPoolExecutor(max_workers=1, thread_name_prefix="credence-history")


@dataclass(frozen=True)
class Intake:
    """What happened to the row, whose record it became (when it went in), and the rescore."""

    report: IngestReport
    subject: tuple[str, str] | None
    quarantine: list[dict[str, Any]]
    run: ScoreRun | None
    explanation: Explanation | None = None  # the subject's, when rescored in place


@dataclass(frozen=True)
class _Standing:
    """What a post needs to know of the workspace, kept from one post to the next (any other
    change empties the service's cache, and it is read again)."""

    ruleset: Ruleset | None  # the last run's, when that run is of the service day
    ruleset_hash: str | None
    results_digest: str | None
    scored: int | None
    names_current: bool
    files: BatchFiles  # only the CLI commits Parquet batches, never while the service runs
    mappings: dict[str, SourceMapping | None]  # nor registers sources


def _standing(service: Service, con: duckdb.DuckDBPyConnection, day: date) -> _Standing:
    last = latest_run(con)
    current = names_current(con)
    files = batch_files(service.ws, con)
    ensure_code_index(con)
    # The subject is rescored in place on the last run when that run is of the service day;
    # its ruleset is the basis every answer of the service is given on.
    if last is None or last["as_of"] != day:
        return _Standing(None, None, None, None, current, files, {})
    ensure_subject_indexes(con)  # outside any transaction: built once after a full run
    digest = str(last["ruleset_hash"])
    scored = last.get("scored")
    return _Standing(
        stored_ruleset(con, digest), digest, str(last.get("results_digest") or ""),
        None if scored is None else int(str(scored)), current, files, {},
    )  # fmt: skip


def warm_reads(service: Service) -> Future[None]:
    """Read, on the history thread, what a post reads from Parquet once per process (each
    part's subject bands, each id index's fingerprints), so the first post after a start
    does not wait for it (about 2 s at 10M records)."""
    return _PREFETCH.submit(_warm, service)


def _warm(service: Service) -> None:
    with service.db.read() as con:
        files = batch_files(service.ws, con)
    locator = service.ws.locator
    for path in files.id_indexes:
        locator.fingerprints(path)
        locator.bands(path, "record_id")
    for path in files.parts:
        locator.bands(path, "subject_kind")
        locator.bands(path, "subject_code")


def post_record(
    service: Service, actor: str, role: str, source: str, row: dict[str, Any]
) -> Intake:
    """Ingest one row of ``source`` and rescore its subject, audited as ``actor``."""
    with service.db.write_lock, service.db.read() as con:
        day = service.today()  # what is kept holds for one service day (the clock may move)
        standing = service.cached((_STANDING, day), lambda: _standing(service, con, day))
        if source not in standing.mappings:
            standing.mappings[source] = stored_mapping(con, source)
        mapping = standing.mappings[source]
        if mapping is None:
            raise NotFoundError(f"no registered source {source!r}: see GET /operator/sources")
        line = json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
        folder = service.ws.root / INTAKE_DIR / source
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(line.encode('utf-8')).hexdigest()[:24]}.jsonl"
        path.write_text(line, encoding="utf-8")
        # The subjects' history in Parquet is read on a second thread while their new record
        # is written (both wait on I/O and decoding outside the interpreter lock).
        reading: dict[tuple[str, str], Future[list[dict[str, Any]]]] = {}
        ensure_check_functions(con)  # outside the transaction, whose rollback would drop them
        con.execute("BEGIN TRANSACTION")
        try:
            try:
                small = ingest_small(
                    service.ws, con, path, mapping, registered=True, files=standing.files,
                    on_subjects=lambda subjects: reading.update(
                        {s: _PREFETCH.submit(subject_parquet_rows, service.ws,
                                             standing.files.parts, *s) for s in subjects}
                    ),
                )  # fmt: skip
            except duckdb.Error as error:
                raise IngestError(f"the row of {source} could not be read: {error}") from error
            report = small.report
            subject = small.subjects[0] if small.subjects else None
            run = None
            explained: dict[tuple[str, str], Explanation] = {}
            if standing.ruleset is not None and report.loaded and small.subjects:
                last = {"ruleset_hash": standing.ruleset_hash,
                        "results_digest": standing.results_digest,
                        "scored": standing.scored}  # fmt: skip
                read = {subject: future.result() for subject, future in reading.items()}
                run = rescore_in_transaction(
                    service.ws, con, standing.ruleset, day, small.subjects, last,
                    explained, standing.files, read,
                )  # fmt: skip
            if standing.names_current and not small.names_given:
                # The new batch (if any) names no one: nothing to read again.
                advance_names(con, 0 if report.already_ingested else 1)
            else:
                update_names(con, service.ws)
            _audit(con, actor, role, source, report, subject, run)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    if report.loaded and small.subjects and run is None:
        # No run of this ruleset and day to update in place: the service rescores as it would
        # after any change, and says so in the audit log on its own.
        run = service.rescore(small.subjects)
        service.log(actor, role, "subjects.rescored", OPS, subject, {"run_id": run.run_id})
    else:
        service.db.changed(names=False, view=False)  # an inline batch: the view reads it as is
        moved = replace(standing, names_current=True)
        if run is not None and standing.ruleset is not None:
            moved = replace(moved, results_digest=run.results_digest, scored=run.scored)
            # The basis moved on to this run, and only that.
            service.keep(
                ("basis",), Basis(standing.ruleset, run.as_of, run.run_id, standing.ruleset_hash)
            )
        service.keep((_STANDING, day), moved)
    return Intake(
        report, subject, small.quarantine, run, None if subject is None else explained.get(subject)
    )


def _audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    role: str,
    source: str,
    report: IngestReport,
    subject: tuple[str, str] | None,
    run: ScoreRun | None,
) -> None:
    detail = {"source": source, "batch_id": report.batch_id, "loaded": report.loaded,
              "quarantined": report.quarantined}  # fmt: skip
    kind, code = subject if subject is not None else (None, None)
    entries = [Pending(actor, role, "record.added", OPS, kind, code, detail)]
    if run is not None:
        entries.append(
            Pending(actor, role, "subjects.rescored", OPS, kind, code, {"run_id": run.run_id})
        )
    audit.append_all(con, entries)
