"""API keys: made once, shown once, stored only as their sha256.

A key carries a role (``subject``, ``relying_party``, ``operator``, ``auditor``; the public needs
none), the subject it belongs to for the subject role, and for a relying party the purposes it
may state (empty: every configured purpose).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Literal

import duckdb
from pydantic import BaseModel

from credence.errors import InvalidInputError, NotFoundError
from credence.identifiers import compact, guess_kind
from credence.service.purposes import check_purposes
from credence.sql import dict_rows

Role = Literal["subject", "relying_party", "operator", "auditor"]
ROLES: tuple[Role, ...] = ("subject", "relying_party", "operator", "auditor")
PREFIX = "crd_"
KEYS_DDL = """CREATE TABLE IF NOT EXISTS api_keys (
    key_id VARCHAR PRIMARY KEY, key_sha256 VARCHAR UNIQUE, role VARCHAR, subject_kind VARCHAR,
    subject_code VARCHAR, purposes VARCHAR, label VARCHAR, created_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ)"""


class ApiKey(BaseModel):
    """What a key grants (never the key itself)."""

    key_id: str
    role: Role
    subject_kind: str | None
    subject_code: str | None
    purposes: list[str]
    label: str | None


class IssuedKey(BaseModel):
    key: ApiKey
    secret: str  # shown once, never stored


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(KEYS_DDL)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    con: duckdb.DuckDBPyConnection,
    role: str,
    subject: str | None = None,
    purposes: list[str] | None = None,
    label: str | None = None,
) -> IssuedKey:
    """Make a key for a role; a subject key names its subject, only relying parties purposes."""
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    kind = None
    if role == "subject":
        if not subject:
            raise InvalidInputError("a subject key needs the subject's code (--subject)")
        subject = compact(subject)
        kind = guess_kind(subject)
        if kind is None:
            raise InvalidInputError(f"{subject!r} is neither a USCC nor a resident identity number")
    elif subject:
        raise InvalidInputError("only a subject key names a subject")
    allowed = list(check_purposes(purposes)) if purposes else []
    if allowed and role != "relying_party":
        raise InvalidInputError("only a relying party's key is limited to purposes")
    ensure_tables(con)
    key_id = "k" + secrets.token_hex(5)
    secret = f"{PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        key_id=key_id,
        role=role,
        subject_kind=kind,
        subject_code=subject,
        purposes=allowed,
        label=label,
    )
    con.execute(
        "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            key_id,
            digest(secret),
            role,
            kind,
            subject,
            json.dumps(allowed),
            label,
            datetime.now(UTC),
        ],
    )
    return IssuedKey(key=key, secret=secret)


def _key(row: dict[str, object]) -> ApiKey:
    return ApiKey.model_validate({**row, "purposes": json.loads(str(row["purposes"] or "[]"))})


def find_key(con: duckdb.DuckDBPyConnection, secret: str) -> ApiKey | None:
    """The live key a presented secret belongs to, or None (unknown or revoked)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    rows = dict_rows(
        con.execute(
            "SELECT key_id, role, subject_kind, subject_code, purposes, label FROM api_keys "
            "WHERE key_sha256 = ? AND revoked_at IS NULL",
            [digest(secret)],
        )
    )
    return _key(rows[0]) if rows else None


def find_key_by_id(con: duckdb.DuckDBPyConnection, key_id: str) -> ApiKey | None:
    """The live key of this id, or None (unknown or revoked): what a sign-in session acts as."""
    rows = dict_rows(
        con.execute(
            "SELECT key_id, role, subject_kind, subject_code, purposes, label FROM api_keys "
            "WHERE key_id = ? AND revoked_at IS NULL",
            [key_id],
        )
    )
    return _key(rows[0]) if rows else None


def list_keys(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every key with its grant and dates (no secrets exist to list)."""
    ensure_tables(con)
    return dict_rows(
        con.execute(
            "SELECT key_id, role, subject_kind, subject_code, purposes, label, created_at, "
            "revoked_at FROM api_keys ORDER BY created_at"
        )
    )


def revoke_key(con: duckdb.DuckDBPyConnection, key_id: str) -> ApiKey:
    ensure_tables(con)
    rows = dict_rows(
        con.execute(
            "SELECT key_id, role, subject_kind, subject_code, purposes, label FROM api_keys "
            "WHERE key_id = ? AND revoked_at IS NULL",
            [key_id],
        )
    )
    if not rows:
        raise NotFoundError(f"no live key {key_id!r}")
    con.execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", [datetime.now(UTC), key_id])
    return _key(rows[0])
