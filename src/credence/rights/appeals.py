"""Appeals: a subject contests a record or a listing; the operator decides before a deadline.

An upheld appeal voids the record (``record_overrides``), so its points and its black listing go
at the next rescore, which the caller runs at once. The operator has ``DECISION_PERIOD`` to
decide (20 days, as the Regulations on the Administration of the Credit Reporting Industry give
for objections); a decision after the deadline is refused, and ``settle_overdue`` upholds every
appeal left undecided past it: a record the operator could not defend in time does not count.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from credence.errors import InvalidInputError, NotFoundError, RefusedError
from credence.rights.files import canonical_code, record_effects, record_on_file
from credence.rights.models import Appeal, AppealKind, AppealState
from credence.rights.tables import ensure_tables
from credence.rules.duration import Duration
from credence.rules.spec import Ruleset
from credence.sql import dict_rows
from credence.store.overrides import add_override, overrides_for

DECISION_PERIOD = Duration(days=20)
MAX_TEXT = 4000
_COLUMNS = (
    "appeal_id, kind, subject_kind, subject_code, record_id, list_name, reason, filed_on, "
    "decide_by, state, decided_on, decided_by, decision_reason"
)


def clean_text(value: str, what: str) -> str:
    """Free text a person typed: stripped, not empty, not a novel."""
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidInputError(f"{what} is {len(text)} characters long: at most {MAX_TEXT}")
    return text


def open_appeal_on(con: duckdb.DuckDBPyConnection, subject_code: str, record_id: str) -> str | None:
    """The id of an appeal still open on this record of this subject, if any."""
    row = con.execute(
        "SELECT appeal_id FROM appeals WHERE subject_code = ? AND record_id = ? AND state = 'open'",
        [subject_code, record_id],
    ).fetchone()
    return None if row is None else str(row[0])


def insert_appeal(
    con: duckdb.DuckDBPyConnection,
    kind: AppealKind,
    record: dict[str, Any],
    reason: str,
    today: date,
    list_name: str | None = None,
    period: Duration = DECISION_PERIOD,
) -> Appeal:
    """Store a new open appeal and return it."""
    appeal = Appeal(
        appeal_id="A-" + uuid.uuid4().hex[:12],
        kind=kind,
        subject_kind=record["subject_kind"],
        subject_code=record["subject_code"],
        record_id=record["record_id"],
        list_name=list_name,
        reason=reason,
        filed_on=today,
        decide_by=period.add_to(today),
        state="open",
    )
    con.execute(
        f"INSERT INTO appeals ({_COLUMNS}, filed_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)",
        [
            appeal.appeal_id,
            kind,
            appeal.subject_kind,
            appeal.subject_code,
            appeal.record_id,
            list_name,
            reason,
            today,
            appeal.decide_by,
            "open",
            datetime.now(UTC),
        ],
    )
    return appeal


def file_appeal(
    con: duckdb.DuckDBPyConnection,
    ruleset: Ruleset,
    subject_code: str,
    record_id: str,
    reason: str,
    today: date,
    against: AppealKind = "record",
) -> Appeal:
    """File an appeal against a record of one's own file, or the black listing resting on it.

    Refused when the record has no effect left (its points and listing have expired), when it
    is already voided, or when an appeal on it is still open.
    """
    ensure_tables(con)
    if against == "link":
        raise InvalidInputError("contest a link with rights.links.contest_link")
    text = clean_text(reason, "the reason of an appeal")
    record = record_on_file(con, subject_code, record_id)
    decision = overrides_for(con, [record_id]).get(record_id)
    if decision is not None and decision.voided:
        raise RefusedError(f"record {record_id} is already voided: nothing left to appeal")
    pending = open_appeal_on(con, record["subject_code"], record_id)
    if pending is not None:
        raise RefusedError(f"appeal {pending} on record {record_id} is still open", appeal=pending)
    effects = record_effects(ruleset, record)
    if against == "listing":
        effects = [e for e in effects if e.listed_until is not None]
        if not effects:
            raise InvalidInputError(f"record {record_id} carries no black listing to appeal")
    if not effects:
        raise RefusedError(
            f"record {record_id} carries no points and no listing under {ruleset.ruleset} "
            f"{ruleset.version}: nothing to appeal"
        )
    ends = [e.listed_until if against == "listing" else e.ends_on for e in effects]
    if None not in ends:
        closed = max(d for d in ends if d is not None)
        if today >= closed:
            raise RefusedError(
                f"record {record_id} stopped having any effect on {closed}: the time to appeal "
                "it has passed",
                closed_on=closed.isoformat(),
            )
    list_name = "black" if against == "listing" else None
    return insert_appeal(con, against, record, text, today, list_name)


def get_appeal(con: duckdb.DuckDBPyConnection, appeal_id: str) -> Appeal:
    ensure_tables(con)
    rows = dict_rows(
        con.execute(f"SELECT {_COLUMNS} FROM appeals WHERE appeal_id = ?", [appeal_id])
    )
    if not rows:
        raise NotFoundError(f"no appeal {appeal_id!r}")
    return Appeal.model_validate(rows[0])


def list_appeals(
    con: duckdb.DuckDBPyConnection,
    state: AppealState | None = None,
    subject_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Appeal]:
    """Appeals, the nearest deadline first; filtered by state and subject when given."""
    ensure_tables(con)
    code = canonical_code(subject_code) if subject_code else None
    rows = dict_rows(
        con.execute(
            f"SELECT {_COLUMNS} FROM appeals WHERE (? IS NULL OR state = ?) "
            "AND (? IS NULL OR subject_code = ?) ORDER BY decide_by, filed_at, appeal_id "
            "LIMIT ? OFFSET ?",
            [state, state, code, code, limit, offset],
        )
    )
    return [Appeal.model_validate(row) for row in rows]


def decide_appeal(
    con: duckdb.DuckDBPyConnection,
    appeal_id: str,
    uphold: bool,
    decided_by: str,
    reason: str,
    today: date,
) -> Appeal:
    """Uphold (void the record) or reject an open appeal, on or before its deadline.

    The caller rescores after an upheld appeal. A link appeal's outcome is remembered either way.
    """
    appeal = get_appeal(con, appeal_id)
    text = clean_text(reason, "the reason of a decision")
    if appeal.state != "open":
        raise RefusedError(f"appeal {appeal_id} was already {appeal.state} on {appeal.decided_on}")
    if today > appeal.decide_by:
        raise RefusedError(
            f"the deadline of appeal {appeal_id} passed on {appeal.decide_by}: an appeal not "
            "decided in time is upheld by settling the overdue appeals",
            deadline=appeal.decide_by.isoformat(),
        )
    return _record_decision(con, appeal, uphold, decided_by, text, today)


def settle_overdue(con: duckdb.DuckDBPyConnection, today: date, decided_by: str) -> list[Appeal]:
    """Uphold every open appeal whose deadline has passed; return them (the caller rescores)."""
    ensure_tables(con)
    overdue = [a for a in list_appeals(con, "open", limit=1_000_000) if today > a.decide_by]
    return [
        _record_decision(
            con, a, True, decided_by, f"not decided by the deadline {a.decide_by}", today
        )
        for a in overdue
    ]


def _record_decision(
    con: duckdb.DuckDBPyConnection,
    appeal: Appeal,
    uphold: bool,
    decided_by: str,
    reason: str,
    today: date,
) -> Appeal:
    state: AppealState = "upheld" if uphold else "rejected"
    con.execute(
        "UPDATE appeals SET state = ?, decided_on = ?, decided_by = ?, decision_reason = ? "
        "WHERE appeal_id = ?",
        [state, today, decided_by, reason, appeal.appeal_id],
    )
    if uphold:
        what = "link contested" if appeal.kind == "link" else "appeal upheld"
        add_override(
            con, appeal.record_id, "void", f"{what}: {reason}", decided_by, appeal.appeal_id
        )
    if appeal.kind == "link":
        judgement = "not_theirs" if uphold else "theirs"
        con.execute(
            "INSERT INTO link_judgements VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                appeal.record_id,
                appeal.subject_code,
                judgement,
                appeal.appeal_id,
                decided_by,
                today,
                datetime.now(UTC),
            ],
        )
    return appeal.model_copy(
        update={
            "state": state,
            "decided_on": today,
            "decided_by": decided_by,
            "decision_reason": reason,
        }
    )
