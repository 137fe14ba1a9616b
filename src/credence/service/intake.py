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
from dataclasses import dataclass
from typing import Any

import duckdb

from credence.errors import IngestError, NotFoundError
from credence.incremental import ensure_subject_indexes, rescore_in_transaction
from credence.ingest.pipeline import IngestReport
from credence.ingest.registry import stored_mapping
from credence.ingest.small import ingest_small
from credence.rights.basis import Basis
from credence.rules.explain import Explanation
from credence.scoring import ScoreRun, latest_run
from credence.service import audit
from credence.service.audit import Pending
from credence.service.context import Service
from credence.service.deps import ROLE_PURPOSE
from credence.service.names import update_names
from credence.store.rulesets import stored_ruleset

INTAKE_DIR = "intake"
OPS = ROLE_PURPOSE["operator"]


@dataclass(frozen=True)
class Intake:
    """What happened to the row, whose record it became (when it went in), and the rescore."""

    report: IngestReport
    subject: tuple[str, str] | None
    quarantine: list[dict[str, Any]]
    run: ScoreRun | None
    explanation: Explanation | None = None  # the subject's, when rescored in place


def post_record(
    service: Service, actor: str, role: str, source: str, row: dict[str, Any]
) -> Intake:
    """Ingest one row of ``source`` and rescore its subject, audited as ``actor``."""
    with service.db.write_lock, service.db.read() as con:
        mapping = stored_mapping(con, source)
        if mapping is None:
            raise NotFoundError(f"no registered source {source!r}: see GET /operator/sources")
        line = json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
        folder = service.ws.root / INTAKE_DIR / source
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(line.encode('utf-8')).hexdigest()[:24]}.jsonl"
        path.write_text(line, encoding="utf-8")
        last = latest_run(con)
        # The subject is rescored in place on the last run when that run is of the service day;
        # its ruleset is the basis every answer of the service is given on.
        in_place = last is not None and last["as_of"] == service.today()
        if in_place:
            assert last is not None
            ruleset = stored_ruleset(con, str(last["ruleset_hash"]))
            ensure_subject_indexes(con)  # outside the transaction: built once after a full run
        con.execute("BEGIN TRANSACTION")
        try:
            try:
                small = ingest_small(service.ws, con, path, mapping)
            except duckdb.Error as error:
                raise IngestError(f"the row of {source} could not be read: {error}") from error
            report = small.report
            subject = small.subjects[0] if small.subjects else None
            run = None
            explained: dict[tuple[str, str], Explanation] = {}
            if in_place and report.loaded and small.subjects:
                assert last is not None
                run = rescore_in_transaction(
                    service.ws, con, ruleset, service.today(), small.subjects, last, explained
                )
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
        if run is not None and last is not None:  # the basis moved on to this run, and only that
            service.keep_basis(
                Basis(ruleset, run.as_of, run.run_id, str(last["ruleset_hash"]))
            )
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
