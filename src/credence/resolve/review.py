"""The review queue: pairs resolution would not decide alone, shown side by side to a person.

Each resolution run replaces a source's pending pairs with what it found now (a pair keeps its
id from run to run); a decision closes the pair for good and is remembered as a judgement, so
an accepted pair stays linked and a rejected one is never proposed or linked again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from credence.errors import CredenceError, NotFoundError
from credence.resolve.decide import Decision
from credence.resolve.judgements import accept_pair, pair_id, reject_pair
from credence.resolve.registry import registry_entry
from credence.resolve.tables import ensure_tables
from credence.sql import dict_rows
from credence.store.links import active_links


@dataclass
class ReviewPair:
    """One pair waiting for (or given) a decision, with both sides to compare."""

    pair_id: str
    record_id: str
    source: str
    subject_kind: str
    subject_code: str
    probability: float
    rank: int
    status: str
    record: dict[str, Any] = field(default_factory=dict)
    subject: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pair_id": self.pair_id, "record_id": self.record_id, "source": self.source,
            "subject_kind": self.subject_kind, "subject_code": self.subject_code,
            "probability": self.probability, "rank": self.rank, "status": self.status,
            "record": self.record, "subject": self.subject,
        }  # fmt: skip


def requeue(
    con: duckdb.DuckDBPyConnection,
    source: str,
    model_id: str,
    decisions: Sequence[Decision],
    kinds: dict[str, str],
    considered: Sequence[str],
) -> int:
    """Replace the pending pairs of the rows just considered with the candidates of those sent
    to review; return how many rows wait for a person."""
    ensure_tables(con)
    now = datetime.now(UTC)
    rows = [
        (pair_id(d.left_id, c.right_id), d.left_id, source, kinds[d.left_id], c.right_id,
         c.probability, c.match_weight, rank, model_id, now, "pending", None)
        for d in decisions if d.outcome == "review"
        for rank, c in enumerate(d.candidates, start=1)
    ]  # fmt: skip
    con.execute(
        "DELETE FROM resolve_review WHERE status = 'pending' "
        "AND record_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(considered)],
    )
    if rows:
        con.executemany("INSERT INTO resolve_review VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rows)  # fmt: skip
    return len({r[1] for r in rows})


def close_linked(con: duckdb.DuckDBPyConnection) -> int:
    """Close pending pairs of rows linked since they were queued (by anyone, any way)."""
    ensure_tables(con)
    rows = con.execute(
        "UPDATE resolve_review SET status = 'closed', closed_at = ? WHERE status = 'pending' "
        f"AND record_id IN (SELECT record_id FROM ({active_links('now()')})) "
        "RETURNING pair_id",
        [datetime.now(UTC)],
    ).fetchall()
    return len(rows)


def _record_sides(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each row as the source wrote it: where it came from, what happened, its hints."""
    rows = dict_rows(con.execute(
        "SELECT record_id, source, row_number, kind, occurred_at, hints FROM records "
        "WHERE record_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(set(ids))],
    ))  # fmt: skip
    sides = {}
    for row in rows:
        hints = json.loads(row.pop("hints") or "{}")
        sides[row.pop("record_id")] = {**row, **{k: v for k, v in hints.items() if v is not None}}
    return sides


def _pairs(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[ReviewPair]:
    ensure_tables(con)
    rows = con.execute(
        "SELECT pair_id, record_id, source, subject_kind, subject_code, probability, rank, "
        f"status FROM resolve_review WHERE {where} ORDER BY source, record_id, rank",
        params,
    ).fetchall()
    sides = _record_sides(con, [r[1] for r in rows]) if rows else {}
    found = []
    for pid, record_id, source, kind, code, probability, rank, status in rows:
        subject = registry_entry(con, code) or {}
        found.append(ReviewPair(pid, record_id, source, kind, code, float(probability), rank,
                                status, sides.get(record_id, {}),
                                {k: v for k, v in subject.items() if v not in (None, [])}))
    return found  # fmt: skip


def pending_pairs(
    con: duckdb.DuckDBPyConnection, source: str | None = None, limit: int | None = None
) -> list[ReviewPair]:
    """Pairs waiting for a person, grouped by row (best candidate first)."""
    pairs = _pairs(con, "status = 'pending' AND (? IS NULL OR source = ?)", [source, source])
    return pairs[:limit] if limit is not None else pairs


def _linked_pairs(con: duckdb.DuckDBPyConnection, prefix: str) -> list[ReviewPair]:
    """Active links whose pair id starts with ``prefix`` (an automatic link can be rejected)."""
    rows = con.execute(
        "SELECT record_id, subject_kind, subject_code, probability FROM record_links "
        "WHERE undone_at IS NULL AND starts_with(substr(sha256(record_id || chr(31) || "
        "subject_code), 1, 12), ?)",
        [prefix],
    ).fetchall()
    sides = _record_sides(con, [r[0] for r in rows]) if rows else {}
    return [
        ReviewPair(pair_id(rid, code), rid, str(sides.get(rid, {}).get("source", "")), kind, code,
                   float(probability), 1, "linked", sides.get(rid, {}),
                   {k: v for k, v in (registry_entry(con, code) or {}).items()
                    if v not in (None, [])})
        for rid, kind, code, probability in rows
    ]  # fmt: skip


def find_pair(con: duckdb.DuckDBPyConnection, wanted: str) -> ReviewPair:
    """A pair by its id (or an unambiguous prefix of it): pending or accepted in the queue, or
    an active link."""
    text = wanted.strip().lower()
    if len(text) < 4:
        raise CredenceError("give at least four characters of a pair id")
    found = _pairs(con, "starts_with(pair_id, ?) AND status IN ('pending', 'accepted')", [text])
    if not found:
        found = _linked_pairs(con, text)
    if not found:
        raise NotFoundError(f"no pending pair or active link {wanted!r}")
    if len({p.pair_id for p in found}) > 1:
        raise CredenceError(f"pair id {wanted!r} is ambiguous: give more characters")
    return found[0]


def _close(con: duckdb.DuckDBPyConnection, pair: ReviewPair, status: str) -> None:
    now = datetime.now(UTC)
    con.execute(
        "UPDATE resolve_review SET status = ?, closed_at = ? WHERE pair_id = ? "
        "AND status IN ('pending', 'accepted')",
        [status, now, pair.pair_id],
    )
    if status == "accepted":  # the row is decided: its other candidates are moot
        con.execute(
            "UPDATE resolve_review SET status = 'closed', closed_at = ? "
            "WHERE record_id = ? AND status = 'pending'",
            [now, pair.record_id],
        )


def accept(
    con: duckdb.DuckDBPyConnection, wanted: str, decided_by: str, reason: str | None = None
) -> ReviewPair:
    """Accept a pending pair: the row is linked to the subject, with the model's probability."""
    pair = find_pair(con, wanted)
    if pair.status != "pending":
        raise CredenceError(f"pair {pair.pair_id} is already {pair.status}")
    accept_pair(con, pair.record_id, pair.subject_kind, pair.subject_code, pair.probability,
                decided_by, reason)  # fmt: skip
    _close(con, pair, "accepted")
    pair.status = "accepted"
    return pair


def reject(
    con: duckdb.DuckDBPyConnection, wanted: str, decided_by: str, reason: str | None = None
) -> ReviewPair:
    """Reject a pair (pending, accepted before, or linked automatically): never linked again,
    and a link between them is undone."""
    pair = find_pair(con, wanted)
    reject_pair(con, pair.record_id, pair.subject_kind, pair.subject_code, decided_by, reason)
    _close(con, pair, "rejected")
    pair.status = "rejected"
    return pair
