"""Credit repair: a subject who remedied a record asks for its effect to end early.

Repair may be asked for once the minimum period of the record's severity tier has passed
(``REPAIR_AFTER``: minor at once, general after 3 months, serious after a year); a requirement
without a tier is treated as serious, the strictest. Approval records a ``repair`` decision
effective that day: the record stops counting and its listing becomes ``repaired`` at the rescore.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import duckdb

from credence.errors import NotFoundError, RefusedError
from credence.rights.appeals import clean_text
from credence.rights.files import RecordEffect, canonical_code, record_effects, record_on_file
from credence.rights.models import Repair, RepairState
from credence.rights.tables import ensure_tables
from credence.rules.duration import REPAIR_AFTER
from credence.rules.spec import Ruleset
from credence.sql import dict_rows
from credence.store.overrides import add_override, overrides_for

DEFAULT_TIER = "serious"
_COLUMNS = (
    "repair_id, subject_kind, subject_code, record_id, requirement_id, severity, evidence, "
    "filed_on, possible_from, state, decided_on, decided_by, decision_reason"
)


def tier_of(effect: RecordEffect) -> str:
    return effect.severity or DEFAULT_TIER


def repair_possible_from(effect: RecordEffect, occurred_at: date) -> date:
    """The first day credit repair of a record may be asked for."""
    return REPAIR_AFTER[tier_of(effect)].add_to(occurred_at)


def penalty_of(ruleset: Ruleset, record: dict[str, object]) -> RecordEffect | None:
    """The negative effect of a record (one at most, by the one-record-one-penalty safeguard)."""
    return next((e for e in record_effects(ruleset, dict(record)) if e.points < 0), None)


def apply_for_repair(
    con: duckdb.DuckDBPyConnection,
    ruleset: Ruleset,
    subject_code: str,
    record_id: str,
    evidence: str,
    today: date,
) -> Repair:
    """Apply for repair of one's own negative record, with evidence of the remedy.

    Refused (with ``possible_from``) before the tier's minimum period, and refused for a record
    that carries no penalty, no longer counts, or is already decided or under application.
    """
    ensure_tables(con)
    text = clean_text(evidence, "the evidence of the remedy")
    record = record_on_file(con, subject_code, record_id)
    effect = penalty_of(ruleset, record)
    if effect is None:
        raise RefusedError(f"record {record_id} carries no penalty: there is nothing to repair")
    decision = overrides_for(con, [record_id]).get(record_id)
    if decision is not None and (decision.voided or decision.repaired_on is not None):
        done = "voided" if decision.voided else f"repaired from {decision.repaired_on}"
        raise RefusedError(f"record {record_id} is already {done}")
    if effect.ends_on is not None and today >= effect.ends_on:
        raise RefusedError(
            f"record {record_id} stopped counting on {effect.ends_on}: nothing left to repair"
        )
    pending = _open_repair_on(con, record_id)
    if pending is not None:
        raise RefusedError(f"repair {pending} of record {record_id} is still open", repair=pending)
    possible = repair_possible_from(effect, record["occurred_at"])  # type: ignore[arg-type]
    if today < possible:
        raise RefusedError(
            f"credit repair of this {tier_of(effect)} record ({effect.requirement_id}) is "
            f"possible from {possible}",
            possible_from=possible.isoformat(),
        )
    repair = Repair(
        repair_id="R-" + uuid.uuid4().hex[:12],
        subject_kind=str(record["subject_kind"]),
        subject_code=str(record["subject_code"]),
        record_id=record_id,
        requirement_id=effect.requirement_id,
        severity=tier_of(effect),
        evidence=text,
        filed_on=today,
        possible_from=possible,
        state="open",
    )
    con.execute(
        f"INSERT INTO repairs ({_COLUMNS}, filed_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)",
        [
            repair.repair_id,
            repair.subject_kind,
            repair.subject_code,
            record_id,
            repair.requirement_id,
            repair.severity,
            text,
            today,
            possible,
            "open",
            datetime.now(UTC),
        ],
    )
    return repair


def _open_repair_on(con: duckdb.DuckDBPyConnection, record_id: str) -> str | None:
    row = con.execute(
        "SELECT repair_id FROM repairs WHERE record_id = ? AND state = 'open'", [record_id]
    ).fetchone()
    return None if row is None else str(row[0])


def get_repair(con: duckdb.DuckDBPyConnection, repair_id: str) -> Repair:
    ensure_tables(con)
    rows = dict_rows(
        con.execute(f"SELECT {_COLUMNS} FROM repairs WHERE repair_id = ?", [repair_id])
    )
    if not rows:
        raise NotFoundError(f"no repair application {repair_id!r}")
    return Repair.model_validate(rows[0])


def list_repairs(
    con: duckdb.DuckDBPyConnection,
    state: RepairState | None = None,
    subject_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Repair]:
    """Repair applications, oldest first; filtered by state and subject when given."""
    ensure_tables(con)
    code = canonical_code(subject_code) if subject_code else None
    rows = dict_rows(
        con.execute(
            f"SELECT {_COLUMNS} FROM repairs WHERE (? IS NULL OR state = ?) "
            "AND (? IS NULL OR subject_code = ?) ORDER BY filed_at, repair_id LIMIT ? OFFSET ?",
            [state, state, code, code, limit, offset],
        )
    )
    return [Repair.model_validate(row) for row in rows]


def decide_repair(
    con: duckdb.DuckDBPyConnection,
    repair_id: str,
    approve: bool,
    decided_by: str,
    reason: str,
    today: date,
) -> Repair:
    """Approve (the record's effect ends today) or reject an open application; caller rescores."""
    repair = get_repair(con, repair_id)
    text = clean_text(reason, "the reason of a decision")
    if repair.state != "open":
        raise RefusedError(f"repair {repair_id} was already {repair.state} on {repair.decided_on}")
    state: RepairState = "approved" if approve else "rejected"
    con.execute(
        "UPDATE repairs SET state = ?, decided_on = ?, decided_by = ?, decision_reason = ? "
        "WHERE repair_id = ?",
        [state, today, decided_by, text, repair_id],
    )
    if approve:
        add_override(
            con,
            repair.record_id,
            "repair",
            f"credit repair approved: {text}",
            decided_by,
            repair_id,
            today,
        )
    return repair.model_copy(
        update={
            "state": state,
            "decided_on": today,
            "decided_by": decided_by,
            "decision_reason": text,
        }
    )
