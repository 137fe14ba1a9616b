"""A person's consent to have their file disclosed to a relying party, purpose by purpose.

Consent to be *scored* (a ``consent.granted`` record of scope ``scoring``) is not consent to
disclosure: PIPL asks for a separate consent for each purpose a person's information is handed
to another party for, and FCRA for a permissible purpose. The person grants and withdraws it
here (``PUT`` and ``DELETE /me/disclosures/{purpose}``); the portal shows it. A consent record
from a source for the purpose itself (scope ``credit_assessment``, say) counts as a grant made
on its day, unless the person withdrew here later. One row per (person, purpose) holds the
latest grant and, after it, any withdrawal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import duckdb
from pydantic import BaseModel

from credence.rules.explain import consents_at

DISCLOSURE_DDL = (
    """CREATE TABLE IF NOT EXISTS disclosure_consents (
        subject_code VARCHAR, purpose VARCHAR, granted_at TIMESTAMPTZ, withdrawn_at TIMESTAMPTZ,
        PRIMARY KEY (subject_code, purpose))""",
)


class Disclosure(BaseModel):
    """One purpose a person has agreed, or no longer agrees, to have their file disclosed for."""

    purpose: str
    granted_at: datetime | None
    withdrawn_at: datetime | None
    from_record: bool  # a consent record from a source, not a grant made here
    in_force: bool


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DISCLOSURE_DDL:
        con.execute(statement)


def _now() -> datetime:
    return datetime.now(UTC)


def grant(con: duckdb.DuckDBPyConnection, code: str, purpose: str) -> None:
    """The person agrees to disclosure for ``purpose`` from now (a withdrawal is cleared)."""
    con.execute(
        "INSERT INTO disclosure_consents VALUES (?, ?, ?, NULL) ON CONFLICT (subject_code, "
        "purpose) DO UPDATE SET granted_at = excluded.granted_at, withdrawn_at = NULL",
        [code, purpose, _now()],
    )


def withdraw(con: duckdb.DuckDBPyConnection, code: str, purpose: str) -> None:
    """The person withdraws disclosure for ``purpose`` from now (a record's grant too)."""
    con.execute(
        "INSERT INTO disclosure_consents VALUES (?, ?, NULL, ?) ON CONFLICT (subject_code, "
        "purpose) DO UPDATE SET withdrawn_at = excluded.withdrawn_at",
        [code, purpose, _now()],
    )


def disclosures(
    con: duckdb.DuckDBPyConnection,
    code: str,
    records: list[dict[str, Any]],
    purposes: tuple[str, ...],
    day: date,
) -> list[Disclosure]:
    """Each of ``purposes`` with its consent to disclosure as it stands now."""
    stored = {
        str(p): (g, w)
        for p, g, w in con.execute(
            "SELECT purpose, granted_at, withdrawn_at FROM disclosure_consents "
            "WHERE subject_code = ?",
            [code],
        ).fetchall()
    }
    from_records = consents_at(records, day)
    out = []
    for purpose in purposes:
        granted, withdrawn = stored.get(purpose, (None, None))
        by_record = bool(from_records.get(purpose, False))
        here = granted is not None and (withdrawn is None or withdrawn < granted)
        withdrawn_here = withdrawn is not None and (granted is None or withdrawn >= granted)
        out.append(
            Disclosure(
                purpose=purpose,
                granted_at=granted,
                withdrawn_at=withdrawn if withdrawn_here else None,
                from_record=by_record and granted is None,
                in_force=here or (by_record and not withdrawn_here),
            )
        )
    return out


def may_disclose(
    con: duckdb.DuckDBPyConnection, code: str, records: list[dict[str, Any]], purpose: str,
    day: date,
) -> bool:
    """Whether the person's file may be disclosed for ``purpose`` now."""
    return disclosures(con, code, records, (purpose,), day)[0].in_force
