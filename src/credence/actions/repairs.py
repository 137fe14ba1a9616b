"""Credit repair as acts: applied for by a subject, decided by an operator.

An approved repair and its audit entry land in one transaction, followed at once by the rescore
of its subject (the record stops counting today), the writer held across both.
"""

from __future__ import annotations

from dataclasses import dataclass

from credence.actions.scope import Actor, Scope, record
from credence.rights import repair as rules
from credence.rights.models import Repair
from credence.runs.score import ScoreRun


@dataclass(frozen=True)
class RepairDecision:
    repair: Repair
    run: ScoreRun | None  # the rescore an approval brings


def apply_for_repair(
    scope: Scope, by: Actor, subject_code: str, record_id: str, evidence: str
) -> Repair:
    """A subject applies for repair of a remedied record of their file, with the evidence."""
    with scope.write() as con:
        filed = rules.apply_for_repair(
            con, scope.basis(con).ruleset, subject_code, record_id, evidence, scope.today()
        )
        record(
            con, by, "repair.filed", (filed.subject_kind, filed.subject_code),
            {"repair_id": filed.repair_id, "record_id": filed.record_id},
        )  # fmt: skip
    return filed


def decide_repair(
    scope: Scope, by: Actor, repair_id: str, approve: bool, reason: str
) -> RepairDecision:
    """Approve (the record's effect ends today, its subject rescored) or reject an application."""
    with scope.writer():
        with scope.write() as con:
            decided = rules.decide_repair(con, repair_id, approve, by.name, reason, scope.today())
            record(
                con, by, "repair.decided", (decided.subject_kind, decided.subject_code),
                {"repair_id": repair_id, "decision": decided.state,
                 "record_id": decided.record_id},
            )  # fmt: skip
        run = scope.rescore([(decided.subject_kind, decided.subject_code)]) if approve else None
    return RepairDecision(decided, run)
