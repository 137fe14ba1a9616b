"""Lookups computed in Python once per distinct value, then joined in SQL.

Subject codes are checked with python-stdnum (through ``credence.identifiers``) and categories
with the safeguard list. A chunk holds far fewer distinct values than rows, and codes repeat
across chunks, so each distinct code is checked once per file.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa

from credence.identifiers import compact, is_valid_code, mask
from credence.model import is_forbidden_category

KNOWN, PAIRS, NEW = "__known_codes", "__chunk_codes", "__new_codes"
CODE_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),  # person | organization
        ("raw", pa.string()),  # the code as written in the file
        ("code", pa.string()),  # its canonical spelling
        ("valid", pa.bool_()),  # passes python-stdnum for that kind
        ("shown", pa.string()),  # how messages may show it (people's numbers masked)
    ]
)


def _looks_personal(code: str) -> bool:
    """Could this be a resident identity number? Then it is masked wherever it is shown."""
    return len(code) == 18 and code[:17].isdigit()


def shown_code(kind: str, code: str) -> str:
    """How a code may appear in a message: people's numbers (or look-alikes) masked."""
    return mask(code) if kind == "person" or _looks_personal(code) else code


def check_code(kind: str, raw: str) -> dict[str, Any]:
    """One raw code of a subject kind: its canonical spelling, whether python-stdnum passes it,
    and how messages may show it."""
    code = compact(raw)
    return {"code": code, "valid": is_valid_code(kind, code), "shown": shown_code(kind, code)}


def check_codes(pairs: Iterable[tuple[str, str]]) -> pa.Table:
    """A CODE_SCHEMA row for each (subject kind, raw code), checked by python-stdnum."""
    columns: dict[str, list[Any]] = {name: [] for name in CODE_SCHEMA.names}
    for kind, raw in pairs:
        checked = check_code(kind, raw)
        columns["kind"].append(kind)
        columns["raw"].append(raw)
        for name in ("code", "valid", "shown"):
            columns[name].append(checked[name])
    return pa.table(columns, schema=CODE_SCHEMA)


# The same lookups as SQL functions, for a file of a few rows: its whole check is one statement
# (``pipeline.small_check_sql``) instead of one per lookup.
CHECK_CODE_FN, FORBIDDEN_FN = "credence_check_code", "credence_forbidden_category"


_WITH_FUNCTIONS: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def ensure_check_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register the lookups as functions of this connection's database, once.

    DuckDB keeps a Python function in the database's catalog, shared by every cursor, while the
    Python side lives with the connection that registered it: registered through a cursor that
    is later closed, the function breaks for every other cursor (or crashes the process). So
    pass the connection that owns the database (the service registers them on its base
    connection when it opens the workspace) and call it outside a transaction, whose rollback
    would take the functions with it. A connection whose database has them already returns.
    """
    if con in _WITH_FUNCTIONS:
        return
    present = {
        name
        for (name,) in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name IN (?, ?)",
            [CHECK_CODE_FN, FORBIDDEN_FN],
        ).fetchall()
    }
    functions = (
        (CHECK_CODE_FN, check_code, ["VARCHAR", "VARCHAR"],
         "STRUCT(code VARCHAR, valid BOOLEAN, shown VARCHAR)"),
        (FORBIDDEN_FN, is_forbidden_category, ["VARCHAR"], "BOOLEAN"),
    )  # fmt: skip
    for name, function, parameters, returns in functions:
        if name not in present:
            con.create_function(name, function, parameters, returns)  # type: ignore[arg-type]
    _WITH_FUNCTIONS.add(con)


class CodeBook:
    """The codes checked so far in a file, kept in DuckDB so each distinct code is checked once.

    Per chunk, the chunk's distinct pairs are joined with what is known (the small side builds
    the hash table), and only the pairs never seen go through python-stdnum. Per-chunk tables
    are Arrow tables registered with the connection: cheap to replace, unlike temp tables.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {KNOWN} (kind VARCHAR, raw VARCHAR, code VARCHAR,"
            " valid BOOLEAN, shown VARCHAR)"
        )

    def lookup(self, pairs_sql: str) -> pa.Table:
        """CODE_SCHEMA rows for the distinct (kind, raw) pairs that ``pairs_sql`` selects."""
        con = self.con
        con.register(PAIRS, con.sql(pairs_sql).to_arrow_table())
        try:
            known = con.sql(
                f"SELECT k.* FROM {KNOWN} k JOIN {PAIRS} p ON k.kind = p.kind AND k.raw = p.raw"
            ).to_arrow_table()
            con.register(NEW, known)
            new = con.execute(
                f"SELECT kind, raw FROM {PAIRS} EXCEPT SELECT kind, raw FROM {NEW}"
            ).fetchall()
        finally:
            con.unregister(PAIRS)
        if not new:
            con.unregister(NEW)
            return known
        checked = check_codes(new)
        con.register(NEW, checked)
        try:
            con.execute(f"INSERT INTO {KNOWN} SELECT * FROM {NEW}")
        finally:
            con.unregister(NEW)
        return pa.concat_tables([known.cast(CODE_SCHEMA), checked])

    def close(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {KNOWN}")


def category_table(categories: Iterable[str]) -> pa.Table:
    """An Arrow table (category, forbidden) for the distinct per-row categories of one chunk."""
    names = list(categories)
    return pa.table(
        {
            "category": pa.array(names, pa.string()),
            "forbidden": pa.array([is_forbidden_category(n) for n in names], pa.bool_()),
        }
    )
