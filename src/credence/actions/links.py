"""Contesting an identity link as an act: "this record on my file is someone else's".

The contest is an appeal of kind ``link``; the operator decides it like any appeal
(``credence.actions.appeals.decide_appeal``: upheld means not theirs, and the record is voided
for them), and either outcome is remembered as a judgement.
"""

from __future__ import annotations

from credence.actions.scope import Actor, Scope, record
from credence.rights import links as rules
from credence.rights.models import Appeal


def contest_link(scope: Scope, by: Actor, subject_code: str, record_id: str, reason: str) -> Appeal:
    """File a link appeal on a record of the subject's file."""
    with scope.write() as con:
        filed = rules.contest_link(con, subject_code, record_id, reason, scope.today())
        record(
            con, by, "link.contested", (filed.subject_kind, filed.subject_code),
            {"appeal_id": filed.appeal_id, "record_id": filed.record_id},
        )  # fmt: skip
    return filed
