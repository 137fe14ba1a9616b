"""A subject's file as each role may see it, and who looked at it.

The explanation is the per-subject evaluator's (``credence explain --json``); only the subject
themself sees their identity number in full.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from credence.errors import InvalidInputError
from credence.identifiers import shown_code
from credence.rights.basis import Basis
from credence.runs.subject_file import subject_file
from credence.service.schemas import ExplanationOut, WhoLooked
from credence.store import audit

EARLIEST_DAY = date(1950, 1, 1)


def check_day(day: date | None, today: date) -> date | None:
    """A day a file may be explained on: not before 1950, not after the service day."""
    if day is not None and not EARLIEST_DAY <= day <= today:
        raise InvalidInputError(f"as_of must be between {EARLIEST_DAY} and {today}, not {day}")
    return day


def explanation(
    con: duckdb.DuckDBPyConnection, basis: Basis, code: str, reveal: bool, day: date | None = None
) -> ExplanationOut:
    """The explanation of one subject on ``day`` (default: the last run's day)."""
    found = subject_file(con, code, basis.ruleset, day or basis.as_of)
    data: dict[str, Any] = found.to_dict()
    data["subject_code"] = shown_code(data["subject_kind"], data["subject_code"], reveal)
    return ExplanationOut.model_validate(data)


def who_looked(
    con: duckdb.DuckDBPyConnection, code: str, limit: int = 100, offset: int = 0
) -> list[WhoLooked]:
    """Every audited look at and change to a subject's file, newest first."""
    labels = dict(con.execute("SELECT key_id, label FROM api_keys").fetchall())
    out = []
    for entry in audit.entries(con, subject_code=code, limit=limit, offset=offset):
        label = labels.get(entry.actor)
        who = f"{label} ({entry.actor})" if label else entry.actor
        out.append(
            WhoLooked(
                at=entry.logged_at,
                who=who,
                role=entry.role,
                purpose=entry.purpose,
                action=entry.action,
            )
        )
    return out
