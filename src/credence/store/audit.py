"""The audit log: append-only and hash-chained, so an edit, a reordering or a removal shows.

Each entry stores ``hash = sha256(previous hash + canonical JSON of the entry)``; the first
entry chains from 64 zeros. ``verify`` walks the log in sequence order and names every entry
that does not fit: its content changed (its own hash no longer matches), it does not follow its
predecessor (reordered, or one removed before it), or numbers are missing. The head (count and
last hash) is also kept in ``audit_head``; signed with a key outside the workspace
(``credence.store.audit_head``) and kept elsewhere, it shows removing the newest entries and a
rewrite rechained after it too. Callers append under one writer at a time (the service's write lock,
or the CLI's single process).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import BaseModel

from credence.sql import dict_rows

GENESIS = "0" * 64
AUDIT_DDL = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq BIGINT, logged_at VARCHAR, actor VARCHAR, role VARCHAR, purpose VARCHAR,
        subject_kind VARCHAR, subject_code VARCHAR, action VARCHAR, detail VARCHAR,
        prev_hash VARCHAR, hash VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS audit_head (entries BIGINT, hash VARCHAR)",
    # Signed heads (credence.store.audit_head): kept here, trusted only by their signature.
    """CREATE TABLE IF NOT EXISTS audit_checkpoints (
        entries BIGINT, hash VARCHAR, signed_at VARCHAR, key_id VARCHAR, public_key VARCHAR,
        signature VARCHAR)""",
)
HASHED = (
    "logged_at",
    "actor",
    "role",
    "purpose",
    "subject_kind",
    "subject_code",
    "action",
    "detail",
)


class AuditEntry(BaseModel):
    """Who did what, for which purpose, to whose file, and when."""

    seq: int
    logged_at: str
    actor: str
    role: str
    purpose: str | None
    subject_kind: str | None
    subject_code: str | None
    action: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in AUDIT_DDL:
        con.execute(statement)


def canonical(values: dict[str, Any]) -> str:
    """The one JSON spelling of an entry: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(values)).encode("utf-8")).hexdigest()


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(number of entries, hash of the last one) as recorded at the last append."""
    row = con.execute("SELECT entries, hash FROM audit_head").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


@dataclass(frozen=True)
class Pending:
    """One entry to append: what was done, by whom, for what, to whom."""

    actor: str
    role: str
    action: str
    purpose: str | None = None
    subject_kind: str | None = None
    subject_code: str | None = None
    detail: dict[str, Any] | None = None


def append(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    role: str,
    action: str,
    purpose: str | None = None,
    subject_kind: str | None = None,
    subject_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry chained to the last; run it inside the caller's write transaction."""
    pending = Pending(actor, role, action, purpose, subject_kind, subject_code, detail)
    return append_all(con, [pending])[0]


def append_all(con: duckdb.DuckDBPyConnection, pending: list[Pending]) -> list[AuditEntry]:
    """Append entries in order, each chained to the one before, inside the caller's write
    transaction: the head is read and moved once, however many there are."""
    # The head names the last entry (written with it); a log from before the head, or without
    # one, is asked directly.
    kept = con.execute("SELECT entries, hash FROM audit_head").fetchall()
    last = kept[0] if len(kept) == 1 else None
    if last is None:
        last = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    rows: list[dict[str, Any]] = []
    for item in pending:
        seq += 1
        values: dict[str, Any] = {
            "logged_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": item.actor,
            "role": item.role,
            "purpose": item.purpose,
            "subject_kind": item.subject_kind,
            "subject_code": item.subject_code,
            "action": item.action,
            "detail": canonical(item.detail or {}),
        }
        digest = chain_hash(prev, values)
        rows.append({"seq": seq, **values, "prev_hash": prev, "hash": digest})
        prev = digest
    if not rows:
        return []
    one = "(" + ", ".join("?" for _ in range(len(HASHED) + 3)) + ")"
    con.execute(
        f"INSERT INTO audit_log VALUES {', '.join(one for _ in rows)}",
        [v for r in rows for v in (r["seq"], *(r[k] for k in HASHED), r["prev_hash"], r["hash"])],
    )
    if len(kept) == 1:
        con.execute("UPDATE audit_head SET entries = ?, hash = ?", [seq, prev])
    else:
        con.execute("DELETE FROM audit_head")
        con.execute("INSERT INTO audit_head VALUES (?, ?)", [seq, prev])
    return [_entry(r) for r in rows]


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry.model_validate({**row, "detail": json.loads(row["detail"] or "{}")})


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    subject_code: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
) -> list[AuditEntry]:
    """Entries filtered by subject, actor and action."""
    order = "DESC" if newest_first else "ASC"
    rows = dict_rows(
        con.execute(
            "SELECT * FROM audit_log WHERE (? IS NULL OR subject_code = ?) "
            "AND (? IS NULL OR actor = ?) AND (? IS NULL OR action = ?) "
            f"ORDER BY seq {order} LIMIT ? OFFSET ?",
            [subject_code, subject_code, actor, actor, action, action, limit, offset],
        )
    )
    return [_entry(row) for row in rows]


@dataclass
class Verification:
    """What ``verify`` found: the entries checked and every problem, by sequence number."""

    entries: int
    head_hash: str
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "problems": [{"seq": seq, "problem": text} for seq, text in self.problems],
        }


def verify(con: duckdb.DuckDBPyConnection, expect_head: str | None = None) -> Verification:
    """Recompute the chain; name each edited, reordered or missing entry."""
    return verify_after(con, 0, GENESIS, expect_head)


def verify_after(
    con: duckdb.DuckDBPyConnection, after: int, after_hash: str, expect_head: str | None = None
) -> Verification:
    """The chain from entry ``after`` (whose hash is ``after_hash``) on: the whole log from
    0 and the genesis hash, or only what came since a signed head."""
    rows = dict_rows(con.execute("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq", [after]))
    hashes = {str(r["hash"]) for r in rows}
    problems: list[tuple[int, str]] = []
    prev, expected_seq = after_hash, after + 1
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
            problems.append((seq, f"entries {missing} are missing (removed)"))
        if chain_hash(str(row["prev_hash"]), {k: row[k] for k in HASHED}) != row["hash"]:
            problems.append((seq, "its content was edited: its hash does not match"))
        if row["prev_hash"] != prev:
            cause = "reordered" if row["prev_hash"] in hashes else "an entry before it removed"
            problems.append((seq, f"does not follow the entry before it ({cause})"))
        prev, expected_seq = str(row["hash"]), seq + 1
    count, last = head(con)
    if (count, last) != (expected_seq - 1, prev):
        problems.append((count, f"the recorded head ({count} entries) does not match the log"))
    if expect_head is not None and expect_head != prev:
        problems.append((expected_seq - 1, "the last hash is not the published head"))
    return Verification(after + len(rows), prev, problems)
