"""Contesting a link: a record of someone else put on a subject's file by a wrong identity match.

For now a record reaches a file through its subject code, so an upheld link appeal voids the
record for that subject. Either outcome is remembered as a judgement (who, when, which appeal):
a link judged to be theirs is not contested again, and resolution can honour the judgements.
"""

from __future__ import annotations

from datetime import date

import duckdb

from credence.errors import RefusedError
from credence.rights.appeals import clean_text, insert_appeal, open_appeal_on
from credence.rights.files import canonical_code, record_on_file
from credence.rights.models import Appeal, LinkJudgement
from credence.rights.tables import ensure_tables
from credence.sql import dict_rows
from credence.store.overrides import overrides_for


def link_judgements(
    con: duckdb.DuckDBPyConnection, subject_code: str, record_id: str | None = None
) -> list[LinkJudgement]:
    """The judgements on links of a subject's records, newest first."""
    ensure_tables(con)
    rows = dict_rows(
        con.execute(
            "SELECT record_id, subject_code, judgement, appeal_id, decided_by, decided_on "
            "FROM link_judgements WHERE subject_code = ? AND (? IS NULL OR record_id = ?) "
            "ORDER BY decided_at DESC",
            [canonical_code(subject_code), record_id, record_id],
        )
    )
    return [LinkJudgement.model_validate(row) for row in rows]


def contest_link(
    con: duckdb.DuckDBPyConnection, subject_code: str, record_id: str, reason: str, today: date
) -> Appeal:
    """File a link appeal: "this record is not mine". Refused once the link has been judged."""
    ensure_tables(con)
    text = clean_text(reason, "the reason of a link appeal")
    record = record_on_file(con, subject_code, record_id)
    for judgement in link_judgements(con, subject_code, record_id):
        verdict = "not theirs" if judgement.judgement == "not_theirs" else "theirs"
        raise RefusedError(
            f"the link of record {record_id} was judged on {judgement.decided_on} "
            f"(appeal {judgement.appeal_id}): {verdict}",
            appeal=judgement.appeal_id,
        )
    decision = overrides_for(con, [record_id]).get(record_id)
    if decision is not None and decision.voided:
        raise RefusedError(f"record {record_id} is already voided: it counts for no one")
    pending = open_appeal_on(con, record["subject_code"], record_id)
    if pending is not None:
        raise RefusedError(f"appeal {pending} on record {record_id} is still open", appeal=pending)
    return insert_appeal(con, "link", record, text, today)
