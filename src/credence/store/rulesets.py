"""Published rulesets: immutable versions kept in the catalog, found by path, version or hash.

A published (name, version) never changes: publishing different content under the same version is
refused, so a change is always a new version. Any stored ruleset (published, or used by a scoring
run) can be read back by its content hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb

from credence.errors import CredenceError, NotFoundError
from credence.rules.loader import load_ruleset, ruleset_hash
from credence.rules.spec import Ruleset
from credence.store.workspace import Workspace


@dataclass(frozen=True)
class PublishedRuleset:
    name: str
    version: str
    hash: str
    published_at: datetime
    already: bool = False  # publishing it again changed nothing


def store_ruleset(con: duckdb.DuckDBPyConnection, ruleset: Ruleset) -> str:
    """Keep a ruleset's exact content under its hash (idempotent); return the hash."""
    digest = ruleset_hash(ruleset)
    body = json.dumps(ruleset.model_dump(mode="json", by_alias=True, exclude_none=True))
    con.execute(
        "INSERT OR IGNORE INTO rulesets (ruleset, version, ruleset_hash, body, stored_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [ruleset.ruleset, ruleset.version, digest, body, datetime.now(UTC)],
    )
    return digest


def stored_ruleset(con: duckdb.DuckDBPyConnection, digest: str) -> Ruleset:
    """The ruleset stored under a full hash."""
    row = con.execute("SELECT body FROM rulesets WHERE ruleset_hash = ?", [digest]).fetchone()
    if row is None:
        raise NotFoundError(f"no stored ruleset with hash {digest}")
    return _parsed(str(row[0]))


@lru_cache(maxsize=32)
def _parsed(body: str) -> Ruleset:
    """A stored body never changes under its hash: parse each once per process (the service
    asks after every change). Callers treat rulesets as values and do not mutate them."""
    return Ruleset.model_validate(json.loads(body))


def publish_ruleset(ws: Workspace, path: Path) -> PublishedRuleset:
    """Validate a ruleset file and publish it as an immutable version of the workspace."""
    ruleset = load_ruleset(path)
    digest = ruleset_hash(ruleset)
    con = ws.connect()
    try:
        existing = con.execute(
            "SELECT ruleset_hash, published_at FROM rulesets "
            "WHERE ruleset = ? AND version = ? AND published_at IS NOT NULL",
            [ruleset.ruleset, ruleset.version],
        ).fetchone()
        if existing is not None:
            if existing[0] != digest:
                raise CredenceError(
                    f"{ruleset.ruleset}@{ruleset.version} is already published with other "
                    f"content (hash {existing[0][:12]}): a published ruleset never changes, "
                    "so publish the change as a new version"
                )
            return PublishedRuleset(ruleset.ruleset, ruleset.version, digest, existing[1], True)
        store_ruleset(con, ruleset)
        now = datetime.now(UTC)
        con.execute("UPDATE rulesets SET published_at = ? WHERE ruleset_hash = ?", [now, digest])
        return PublishedRuleset(ruleset.ruleset, ruleset.version, digest, now)
    finally:
        con.close()


def list_published(con: duckdb.DuckDBPyConnection) -> list[PublishedRuleset]:
    rows = con.execute(
        "SELECT ruleset, version, ruleset_hash, published_at FROM rulesets "
        "WHERE published_at IS NOT NULL ORDER BY published_at"
    ).fetchall()
    return [PublishedRuleset(str(a), str(b), str(c), d) for a, b, c, d in rows]


def resolve_ruleset(con: duckdb.DuckDBPyConnection, ref: str) -> Ruleset:
    """A ruleset by YAML path, ``NAME@VERSION``, published version, or hash prefix (6+ chars)."""
    if Path(ref).is_file():
        return load_ruleset(Path(ref))
    published = list_published(con)
    name, _, version = ref.rpartition("@")
    matches = [p for p in published if p.version == version and (not name or p.name == name)]
    if len(matches) == 1:
        return stored_ruleset(con, matches[0].hash)
    if len(matches) > 1:
        names = ", ".join(f"{p.name}@{p.version}" for p in matches)
        raise CredenceError(f"version {version!r} is ambiguous ({names}): say NAME@VERSION")
    if len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref.lower()):
        hashes = [h for (h,) in con.execute("SELECT ruleset_hash FROM rulesets").fetchall()]
        found = [h for h in hashes if h.startswith(ref.lower())]
        if len(found) == 1:
            return stored_ruleset(con, found[0])
    known = ", ".join(f"{p.name}@{p.version}" for p in published) or "none yet"
    raise NotFoundError(
        f"no ruleset {ref!r}: not a file, a published version or a stored hash "
        f"(published: {known}; publish one with `credence rules publish PATH`)"
    )
