"""Server-side sessions for the pages: signing in makes one, the cookie carries only its token.

Why: a cookie holding the API key itself would hand the long-lived key to anything that reads a
cookie jar, and could not be ended. A session is a random token (the catalog keeps its sha256,
as it keeps keys'), bound to the key that opened it, with an expiry; it ends at sign-out, at its
expiry, or when its key is revoked. Each session has its own random form token (CSRF), which
every form of a signed-in page carries and every POST checks.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from credence.service.keys import ApiKey, find_key_by_id

SESSION_HOURS = 8
SESSIONS_DDL = """CREATE TABLE IF NOT EXISTS web_sessions (
    session_sha256 VARCHAR PRIMARY KEY, key_id VARCHAR, form_token VARCHAR,
    created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, ended_at TIMESTAMPTZ)"""
_TOKEN_BYTES = 32
MAX_TOKEN = 64  # a presented token longer than any made here is no token


@dataclass(frozen=True)
class Session:
    """A live session: the key it acts as, its form token, and when it ends."""

    key: ApiKey
    form_token: str
    expires_at: datetime


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SESSIONS_DDL)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A random token, for a session or a sign-in form."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def start(
    con: duckdb.DuckDBPyConnection, key: ApiKey, hours: float = SESSION_HOURS
) -> tuple[str, Session]:
    """Open a session for ``key``: (the token for the cookie, the session). Sessions past their
    expiry are swept at the same time."""
    now = datetime.now(UTC)
    token = new_token()
    session = Session(key, new_token(), now + timedelta(hours=hours))
    con.execute("DELETE FROM web_sessions WHERE expires_at < ? OR ended_at IS NOT NULL", [now])
    con.execute(
        "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, NULL)",
        [_digest(token), key.key_id, session.form_token, now, session.expires_at],
    )
    return token, session


def find(con: duckdb.DuckDBPyConnection, token: str) -> Session | None:
    """The live session of ``token``: not ended, not expired, its key not revoked."""
    if not token or len(token) > MAX_TOKEN:
        return None
    row = con.execute(
        "SELECT key_id, form_token, expires_at FROM web_sessions"
        " WHERE session_sha256 = ? AND ended_at IS NULL AND expires_at > ?",
        [_digest(token), datetime.now(UTC)],
    ).fetchone()
    if row is None:
        return None
    key = find_key_by_id(con, str(row[0]))
    return Session(key, str(row[1]), row[2]) if key is not None else None


def end(con: duckdb.DuckDBPyConnection, token: str) -> None:
    """End the session of ``token`` (signing out): its cookie opens nothing from now on."""
    if token and len(token) <= MAX_TOKEN:
        con.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE session_sha256 = ?",
            [datetime.now(UTC), _digest(token)],
        )
