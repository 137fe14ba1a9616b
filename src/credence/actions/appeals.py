"""Appeals as acts: filed by a subject, decided by an operator, settled when overdue.

Each decision and its audit entry land in one transaction; an upheld appeal is followed at once
by the rescore of the subjects it concerns, the writer held across both. A link contest is an
appeal of kind ``link`` and is decided here too (upheld: the record is not theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from credence.actions.scope import Actor, Scope, record
from credence.rights import appeals as rules
from credence.rights.models import Appeal, AppealKind
from credence.runs.score import ScoreRun

DECIDED = "appeal.decided"


@dataclass(frozen=True)
class AppealDecision:
    appeal: Appeal
    run: ScoreRun | None  # the rescore an upheld appeal brings


@dataclass(frozen=True)
class Settlement:
    upheld: list[Appeal]
    run: ScoreRun | None


def file_appeal(
    scope: Scope,
    by: Actor,
    subject_code: str,
    record_id: str,
    reason: str,
    against: AppealKind = "record",
) -> Appeal:
    """A subject appeals against a record of their file, or the black listing resting on it."""
    with scope.write() as con:
        filed = rules.file_appeal(
            con, scope.basis(con).ruleset, subject_code, record_id, reason, scope.today(), against
        )
        record(
            con, by, "appeal.filed", (filed.subject_kind, filed.subject_code),
            {"appeal_id": filed.appeal_id, "record_id": filed.record_id, "against": filed.kind},
        )  # fmt: skip
    return filed


def decide_appeal(
    scope: Scope, by: Actor, appeal_id: str, uphold: bool, reason: str
) -> AppealDecision:
    """Uphold (the record is voided, its subject rescored) or reject an open appeal."""
    with scope.writer():
        with scope.write() as con:
            decided = rules.decide_appeal(con, appeal_id, uphold, by.name, reason, scope.today())
            record(
                con, by, DECIDED, (decided.subject_kind, decided.subject_code),
                {"appeal_id": appeal_id, "decision": decided.state,
                 "record_id": decided.record_id},
            )  # fmt: skip
        run = scope.rescore([(decided.subject_kind, decided.subject_code)]) if uphold else None
    return AppealDecision(decided, run)


def settle_overdue(scope: Scope, by: Actor) -> Settlement:
    """Uphold every open appeal past its deadline, then rescore the subjects they concern."""
    with scope.writer():
        with scope.write() as con:
            upheld = rules.settle_overdue(con, scope.today(), by.name)
            for appeal in upheld:
                record(
                    con, by, DECIDED, (appeal.subject_kind, appeal.subject_code),
                    {"appeal_id": appeal.appeal_id, "decision": "upheld", "overdue": True,
                     "record_id": appeal.record_id},
                )  # fmt: skip
        touched = sorted({(a.subject_kind, a.subject_code) for a in upheld})
        run = scope.rescore(touched) if upheld else None
    return Settlement(upheld, run)
