"""Subject access: everything the workspace holds on one subject, exported as one JSON document.

It is the subject's own copy, so nothing is masked: the explanation as the CLI gives it, every
record (counting or not) with its provenance, the decisions on them, the subject's appeals,
repair applications and link judgements, and who looked at the file and why.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb

from credence.rights.appeals import list_appeals
from credence.rights.links import link_judgements
from credence.rights.repair import list_repairs
from credence.rights.tables import ensure_tables
from credence.rules.spec import Ruleset
from credence.runs.subject_file import subject_file, subject_records
from credence.sql import dict_rows

EVERYTHING = 1_000_000


def _plain(value: Any) -> Any:
    """JSON-ready data: dates and timestamps as ISO text."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def subject_access_export(
    con: duckdb.DuckDBPyConnection,
    ruleset: Ruleset,
    code: str,
    as_of: date,
    who_looked: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole file of one subject; ``who_looked`` is the audit trail about them."""
    ensure_tables(con)
    found = subject_file(con, code, ruleset, as_of)
    subject = found.explanation.subject_code
    records = subject_records(con, subject)
    ids = sorted(r["record_id"] for r in records)
    decisions = dict_rows(
        con.execute(
            "SELECT record_id, action, effective_on, reason, reference, decided_by, decided_at "
            "FROM record_overrides WHERE record_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY decided_at",
            [ids],
        )
    )
    return _plain(
        {
            "subject": {
                "subject_kind": found.explanation.subject_kind,
                "subject_code": subject,
                "name": found.name,
            },
            "as_of": as_of,
            "ruleset": {"name": ruleset.ruleset, "version": ruleset.version},
            "explanation": found.to_dict(),
            "records": sorted(records, key=lambda r: (r["occurred_at"], r["record_id"])),
            "decisions": decisions,
            "appeals": [a.model_dump() for a in list_appeals(con, None, subject, EVERYTHING)],
            "repairs": [r.model_dump() for r in list_repairs(con, None, subject, EVERYTHING)],
            "link_judgements": [j.model_dump() for j in link_judgements(con, subject)],
            "who_looked": who_looked,
        }
    )
