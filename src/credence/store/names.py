"""Subjects' display names: the one recipe, and the small table that keeps it for lookups.

A name is public (an organisation's page, the lists, the register's CSV), so it is not taken from
whichever row came last. In order of authority:

1. the subject registry (``subject_registry``, loaded with ``credence resolve --registry``);
2. the sources by their level, national before province before city before district
   (``NAME_AUTHORITY``); a private source (a platform) never names a subject;
3. within one level, the latest record (by ``occurred_at``) that gives a name.

A name that could not be shown as it is (over ``NAME_MAX`` characters, or holding a control
character) names no one; ingest quarantines such rows in any case. ``names_sql`` says the recipe
in SQL, ``display_name`` over records already in hand (a subject's file); the two agree.

The table is derived: built in full once, then brought up to date batch by batch. A new record
adds one small batch, so only that batch is read and its names merged in (a name of higher
authority, or of the same authority and a later day, wins, as in a full build), which keeps "one
new record to an updated score" off a scan of every record. Records of the same day and level
that give different names are the one case the ways may differ: which of them wins is not fixed.
Loading a registry marks the table for a rebuild (``forget_names``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from credence.sql import lit, transaction
from credence.store.workspace import INLINE_PATH, Workspace, parquet_scan

NAME_MAX = 200
NAME_AUTHORITY = ("national", "province", "city", "district")  # first is most authoritative
REGISTRY_RANK = 0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# A record's name, NULL when it gives none or one that cannot be shown.
NAME_SQL = (
    f"CASE WHEN length(hints ->> '$.name') BETWEEN 1 AND {NAME_MAX} "
    "AND NOT regexp_matches(hints ->> '$.name', '[\\x00-\\x1f\\x7f]') "
    "THEN hints ->> '$.name' END"
)
# Its authority: 1 for a national source ... 4 for a district's; NULL (never) for a private one.
RANK_SQL = (
    "CASE level "
    + " ".join(f"WHEN '{level}' THEN {rank}" for rank, level in enumerate(NAME_AUTHORITY, 1))
    + " END"
)

NAMES_DDL = (
    """CREATE TABLE IF NOT EXISTS subject_names (
        subject_kind VARCHAR, subject_code VARCHAR, name VARCHAR)""",
    "ALTER TABLE subject_names ADD COLUMN IF NOT EXISTS named_on DATE",
    "CREATE TABLE IF NOT EXISTS subject_names_state (batches BIGINT, last_commit TIMESTAMPTZ)",
    "ALTER TABLE subject_names ADD COLUMN IF NOT EXISTS name_rank INTEGER",
    # A table built before names had an authority is built again.
    "DELETE FROM subject_names_state WHERE EXISTS "
    "(SELECT 1 FROM subject_names WHERE name_rank IS NULL)",
)
_NAMED = f"""
SELECT subject_kind, subject_code, {NAME_SQL} AS name, {RANK_SQL} AS name_rank, occurred_at
FROM {{records}} WHERE subject_code IS NOT NULL
"""
_REGISTRY = f"""
SELECT subject_kind, subject_code, name, {REGISTRY_RANK} AS name_rank, NULL::DATE AS occurred_at
FROM {{registry}} WHERE length(name) BETWEEN 1 AND {NAME_MAX}
AND NOT regexp_matches(name, '[\\x00-\\x1f\\x7f]')
"""
_NAMES_FROM = """
SELECT subject_kind, subject_code,
       arg_max(name, [-name_rank, coalesce(epoch(occurred_at), 0)]) AS name,
       arg_max(occurred_at, [-name_rank, coalesce(epoch(occurred_at), 0)]) AS named_on,
       min(name_rank) AS name_rank
FROM ({named}) WHERE name IS NOT NULL AND name_rank IS NOT NULL
GROUP BY subject_kind, subject_code
"""
_MERGE = """
INSERT INTO subject_names BY NAME
SELECT n.subject_kind, n.subject_code, n.name, n.named_on, n.name_rank FROM {names} n
ANTI JOIN subject_names s ON s.subject_kind = n.subject_kind AND s.subject_code = n.subject_code
"""
_UPDATE = """
UPDATE subject_names s SET name = n.name, named_on = n.named_on, name_rank = n.name_rank
FROM {names} n
WHERE s.subject_kind = n.subject_kind AND s.subject_code = n.subject_code
AND (n.name_rank < s.name_rank OR (n.name_rank = s.name_rank
     AND (s.named_on IS NULL OR n.named_on >= s.named_on)))
"""


def has_registry(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this catalog holds a subject registry table."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'subject_registry' "
        "AND schema_name = 'main'"
    ).fetchone()
    return bool(row and row[0])


def names_sql(records: str, registry: str | None = None) -> str:
    """SQL for (subject_kind, subject_code, name, named_on, name_rank) of every named subject of
    the relation ``records`` (a table, a view or a parenthesised query with the record columns);
    with a ``registry`` relation (``subject_registry`` or a part of it), its names come first."""
    named = _NAMED.format(records=records)
    if registry is not None:
        named = f"{named} UNION ALL {_REGISTRY.format(registry=registry)}"
    return _NAMES_FROM.format(named=named)


def hint_name(hints: str | None) -> str | None:
    """The name one record's hints (JSON text) give, as ``NAME_SQL`` reads it; None for none
    or for one that cannot be shown. Hints that are not JSON raise ``ValueError``."""
    if not hints:
        return None
    found = json.loads(hints)
    name = found.get("name") if isinstance(found, dict) else None
    if name is None or name == "":
        return None
    text = name if isinstance(name, str) else json.dumps(name, ensure_ascii=False)
    return text if len(text) <= NAME_MAX and not _CONTROL.search(text) else None


def name_rank(level: str | None) -> int | None:
    """A source level's authority for names (``RANK_SQL``): lower wins; None never names."""
    return NAME_AUTHORITY.index(level) + 1 if level in NAME_AUTHORITY else None


def display_name(
    records: Iterable[Mapping[str, Any]], registered: str | None = None
) -> str | None:
    """The name of one subject from its records (rows with ``hints`` as JSON text, ``level`` and
    ``occurred_at``) and its registry name if any: what ``names_sql`` gives for it."""
    if registered is not None and 1 <= len(registered) <= NAME_MAX \
            and not _CONTROL.search(registered):
        return registered
    best: tuple[int, Any, str] | None = None
    for record in records:
        rank = name_rank(record.get("level"))
        name = hint_name(record.get("hints")) if rank is not None else None
        if name is None or rank is None:
            continue
        if best is None or (-rank, record["occurred_at"]) > (-best[0], best[1]):
            best = (rank, record["occurred_at"], name)
    return None if best is None else best[2]


def registry_name(con: duckdb.DuckDBPyConnection, kind: str, code: str) -> str | None:
    """The registry's name for one subject, None when there is no registry or no entry."""
    if not has_registry(con):
        return None
    row = con.execute(
        "SELECT name FROM subject_registry WHERE subject_kind = ? AND subject_code = ?",
        [kind, code],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def forget_names(con: duckdb.DuckDBPyConnection) -> None:
    """The names must be built again (the registry changed), inside the caller's transaction."""
    ensure_tables(con)
    con.execute("DELETE FROM subject_names_state")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in NAMES_DDL:
        con.execute(statement)


def refresh_names(con: duckdb.DuckDBPyConnection, ws: Workspace | None = None) -> bool:
    """Bring the names up to date with the committed batches; True when anything was read.

    With the workspace ``ws``, batches committed since the last build are merged in from their
    own files; without it (or with no earlier build) the names are rebuilt from ``records``, which
    ``con`` must see over every committed batch.
    """
    ensure_tables(con)
    with transaction(con):
        return update_names(con, ws)


_STATE = (
    "SELECT (SELECT COUNT(*) FROM batches), (SELECT max(committed_at) FROM batches), "
    "(SELECT max(batches) FROM subject_names_state), "
    "(SELECT max(last_commit) FROM subject_names_state)"
)


def names_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the names were built from every committed batch."""
    total, last_commit, built_batches, built_commit = con.execute(_STATE).fetchall()[0]
    return built_batches is not None and (built_batches, built_commit) == (total, last_commit)


def advance_names(con: duckdb.DuckDBPyConnection, batches: int) -> None:
    """Count ``batches`` new batches, committed in the caller's transaction, that name no one
    as built into the names (the caller knows: the names were current before them, and none of
    their records gives a name)."""
    # A batch commits at its transaction's now(): the latest commit is the later of the two.
    con.execute(
        "UPDATE subject_names_state SET batches = batches + ?, "
        "last_commit = greatest(last_commit, now())",
        [batches],
    )


def update_names(con: duckdb.DuckDBPyConnection, ws: Workspace | None = None) -> bool:
    """What ``refresh_names`` does, inside the caller's transaction (the tables exist)."""
    total, last_commit, built_batches, built_commit = con.execute(_STATE).fetchall()[0]
    built = None if built_batches is None else (built_batches, built_commit)
    if built == (total, last_commit):
        return False
    since = _records_since(con, ws, built, int(total)) if ws is not None else None
    if since is None:
        con.execute("DELETE FROM subject_names")
        con.execute(
            "INSERT INTO subject_names BY NAME "
            + names_sql("records", "subject_registry" if has_registry(con) else None)
        )
        _mark_built(con, total, last_commit)
        return True
    scan, files = since
    if not files:  # inline batches only: a few rows, read twice
        names = f"({names_sql(scan)})"
        con.execute(_UPDATE.format(names=names))
        con.execute(_MERGE.format(names=names))
    else:  # whole files: their names are gathered once
        con.execute("CREATE OR REPLACE TEMP TABLE new_names AS " + names_sql(scan))
        con.execute(_UPDATE.format(names="new_names"))
        con.execute(_MERGE.format(names="new_names"))
        con.execute("DROP TABLE new_names")
    _mark_built(con, total, last_commit)
    return True


def _mark_built(con: duckdb.DuckDBPyConnection, total: object, last_commit: object) -> None:
    con.execute("DELETE FROM subject_names_state")
    con.execute("INSERT INTO subject_names_state VALUES (?, ?)", [total, last_commit])


def _records_since(
    con: duckdb.DuckDBPyConnection, ws: Workspace, built: tuple[object, ...] | None, total: int
) -> tuple[str, bool] | None:
    """SQL for the records of batches committed after the last build, and whether it reads
    Parquet files; None when a rebuild is needed (no build yet, or the batch count does not
    add up)."""
    if built is None or built[1] is None:
        return None
    since = con.execute(
        "SELECT batch_id, path FROM batches WHERE committed_at > ? ORDER BY committed_at",
        [built[1]],
    ).fetchall()
    if total != int(str(built[0])) + len(since):
        return None
    columns = "subject_kind, subject_code, hints, level, occurred_at"
    scans = [f"SELECT {columns} FROM inline_records WHERE false"]
    files = [f for _, path in since if path != INLINE_PATH for f in ws.parts_of(path)]
    if files:
        scans.append(f"SELECT {columns} FROM {parquet_scan(files)}")
    inline = [lit(str(b)) for b, path in since if path == INLINE_PATH]
    if inline:
        scans.append(
            f"SELECT {columns} FROM inline_records WHERE batch_id IN ({', '.join(inline)})"
        )
    return "(" + " UNION ALL ".join(scans) + ")", bool(files)


def name_of(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    row = con.execute("SELECT name FROM subject_names WHERE subject_code = ?", [code]).fetchone()
    return None if row is None else str(row[0])


def names_of(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = con.execute(
        "SELECT subject_code, name FROM subject_names "
        "WHERE subject_code IN (SELECT unnest(?::VARCHAR[]))",
        [codes],
    ).fetchall()
    return {str(code): str(name) for code, name in rows}


def names_for(
    con: duckdb.DuckDBPyConnection, subjects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The display names of (kind, code) subjects: from the table when it is current, else by
    the same recipe over those subjects' records (``con`` must see ``records``)."""
    wanted = sorted(set(subjects))
    if not wanted:
        return {}
    codes = sorted({code for _, code in wanted})
    try:
        current = names_current(con)
    except duckdb.CatalogException:
        current = False
    if current:
        query = (
            "SELECT subject_kind, subject_code, name FROM subject_names "
            "WHERE subject_code IN (SELECT unnest($1::VARCHAR[]))"
        )
    else:
        wanted_codes = "subject_code IN (SELECT unnest($1::VARCHAR[]))"
        records = f"(SELECT * FROM records WHERE {wanted_codes})"
        registry = f"(SELECT * FROM subject_registry WHERE {wanted_codes})"
        named = names_sql(records, registry if has_registry(con) else None)
        query = f"SELECT subject_kind, subject_code, name FROM ({named})"
    found = {(str(k), str(c)): str(n) for k, c, n in con.execute(query, [codes]).fetchall()}
    return {subject: found[subject] for subject in wanted if subject in found}
