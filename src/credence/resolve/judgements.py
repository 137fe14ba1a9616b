"""Decisions on pairs (a row, a subject): accepted or rejected, remembered and honoured.

A link is written only through ``credence.store.links.add_link`` and undone only through
``undo_link``; this module keeps the judgement beside it (who, when, why) so a later run reuses
it. A pair is refused for good when a person rejected it, when its link was undone (a wrong
identity found later), or when an appeal judged the record not the subject's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb

from credence.errors import CredenceError
from credence.resolve.tables import ensure_tables, has_table
from credence.store.links import active_links, add_link, undo_link


def pair_id(record_id: str, subject_code: str) -> str:
    """A short stable id of a pair: the same row and subject give the same id on every run."""
    return hashlib.sha256(f"{record_id}\x1f{subject_code}".encode()).hexdigest()[:12]


def refused_pairs(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every (record id, subject code) that must never be linked again."""
    ensure_tables(con)
    queries = [
        "SELECT record_id, subject_code FROM resolve_judgements WHERE judgement = 'rejected'",
        "SELECT record_id, subject_code FROM record_links WHERE undone_at IS NOT NULL",
    ]
    if has_table(con, "link_judgements"):  # appeals on links (credence.rights)
        queries.append(
            "SELECT record_id, subject_code FROM link_judgements WHERE judgement = 'not_theirs'"
        )
    rows = con.execute(" UNION ".join(queries)).fetchall()
    return {(str(r), str(c)) for r, c in rows}


def active_link(con: duckdb.DuckDBPyConnection, record_id: str) -> str | None:
    """The subject a row is linked to now, if any."""
    rows = con.execute(
        f"SELECT subject_code FROM ({active_links('now()', '?')})", [record_id]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def _judge(
    con: duckdb.DuckDBPyConnection, record_id: str, subject_kind: str, subject_code: str,
    judgement: str, probability: float | None, decided_by: str, reason: str | None,
) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO resolve_judgements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record_id, subject_kind, subject_code, judgement, probability,
         pair_id(record_id, subject_code), decided_by, datetime.now(UTC), reason],
    )  # fmt: skip


def accept_pair(
    con: duckdb.DuckDBPyConnection,
    record_id: str,
    subject_kind: str,
    subject_code: str,
    probability: float,
    decided_by: str,
    reason: str | None = None,
) -> None:
    """A person says the row is the subject's: link it (method ``review``) and remember why."""
    ensure_tables(con)
    if (record_id, subject_code) in refused_pairs(con):
        raise CredenceError(f"record {record_id} was judged not {subject_code}'s: never again")
    current = active_link(con, record_id)
    if current is not None:
        raise CredenceError(f"record {record_id} is already linked to {current}")
    add_link(con, record_id, subject_kind, subject_code, probability, "review", decided_by,
             pair_id(record_id, subject_code))  # fmt: skip
    _judge(con, record_id, subject_kind, subject_code, "accepted", probability, decided_by,
           reason)  # fmt: skip


def reject_pair(
    con: duckdb.DuckDBPyConnection,
    record_id: str,
    subject_kind: str,
    subject_code: str,
    decided_by: str,
    reason: str | None = None,
) -> bool:
    """A person says the row is not the subject's; a link between them is undone. Returns
    whether a link was undone."""
    ensure_tables(con)
    _judge(con, record_id, subject_kind, subject_code, "rejected", None, decided_by, reason)
    if active_link(con, record_id) == subject_code:
        undo_link(con, record_id, reason or f"rejected by {decided_by}")
        return True
    return False


def link_provenance(
    con: duckdb.DuckDBPyConnection, record_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """For explain: each resolved row's active link (probability, method, who, when) and each
    copy voided as held at another level (the record kept instead)."""
    ids = sorted(set(record_ids))
    found: dict[str, dict[str, Any]] = {}
    if not ids:
        return found
    rows = con.execute(
        "SELECT record_id, arg_max(subject_code, decided_at), arg_max(probability, decided_at), "
        "arg_max(method, decided_at), arg_max(decided_by, decided_at), max(decided_at), "
        "arg_max(reference, decided_at) FROM record_links "
        "WHERE undone_at IS NULL AND record_id IN (SELECT unnest(?::VARCHAR[])) "
        "GROUP BY record_id",
        [ids],
    ).fetchall()
    for record_id, code, probability, method, by, at, reference in rows:
        found[record_id] = {"link": {
            "pair_id": pair_id(record_id, code), "subject_code": code,
            "probability": probability, "method": method,
            "decided_by": by, "decided_at": at.isoformat() if at else None,
            "reference": reference,
        }}  # fmt: skip
    if has_table(con, "resolve_duplicates"):
        copies = con.execute(
            "SELECT record_id, kept_record_id, kept_level FROM resolve_duplicates "
            "WHERE record_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
        for record_id, kept, level in copies:
            found.setdefault(record_id, {})["duplicate_of"] = {"record_id": kept, "level": level}
    return found
