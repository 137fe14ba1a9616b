"""The authoritative subject registry that resolution links rows to.

A registry file (CSV or Parquet) holds one row per subject: ``code``, ``kind``, ``name`` and,
where known, ``former_names`` (a list, or text separated by ``|``), ``address``, ``birth_date``
(birth, or founding for an organisation), ``legacy_id`` and ``district``. Loading replaces the
workspace's ``subject_registry`` in one transaction, and refuses a file with a bad code or kind
(every problem listed), since a wrong registry entry would put records on the wrong subject.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from credence.errors import Problem, ProblemsError
from credence.identifiers import compact, is_valid_code
from credence.model import SUBJECT_KINDS
from credence.resolve.files import read_table
from credence.resolve.normalise import iso_date, text_of
from credence.resolve.tables import ensure_tables
from credence.sql import transaction
from credence.store.names import forget_names

COLUMNS = ("subject_code", "subject_kind", "name", "former_names", "address", "birth_date",
           "legacy_id", "district")  # fmt: skip
ALIASES = {"code": "subject_code", "kind": "subject_kind"}
REQUIRED = ("subject_code", "subject_kind", "name")
MAX_PROBLEMS = 20


class RegistryError(ProblemsError):
    """A registry file that cannot be loaded as it is."""


def _renamed(table: pa.Table) -> pa.Table:
    names = [ALIASES.get(n, n) for n in table.column_names]
    return table.rename_columns(names)


def _dated(table: pa.Table, where: str, problems: list[Problem]) -> pa.Table:
    """Birth or founding days as dates, whatever way the file writes them."""
    if "birth_date" not in table.column_names:
        return table
    column = table.column("birth_date")
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return table
    days: list[date | None] = []
    for row, value in enumerate(column.to_pylist(), start=1):
        text = iso_date(value)
        if text is None and text_of(value) is not None and len(problems) < MAX_PROBLEMS:
            problems.append(Problem(f"{where} row {row}", f"birth_date {value!r} is not a date"))
        days.append(date.fromisoformat(text) if text else None)
    index = table.schema.get_field_index("birth_date")
    return table.set_column(index, "birth_date", pa.array(days, pa.date32()))


def _check(table: pa.Table, where: str) -> list[Problem]:
    problems = [
        Problem(where, f"no column {c!r} (or its alias)") for c in REQUIRED
        if c not in table.column_names
    ]  # fmt: skip
    if problems:
        return problems
    codes = table.column("subject_code").to_pylist()
    kinds = table.column("subject_kind").to_pylist()
    seen: set[str] = set()
    for row, (code, kind) in enumerate(zip(codes, kinds, strict=True), start=1):
        if len(problems) >= MAX_PROBLEMS:
            break
        if kind not in SUBJECT_KINDS:
            problems.append(Problem(f"{where} row {row}", f"unknown subject kind {kind!r}"))
        elif not is_valid_code(kind, compact(str(code or ""))):
            problems.append(Problem(f"{where} row {row}", f"{kind} code {code!r} is not valid"))
        elif compact(str(code)) in seen:
            problems.append(Problem(f"{where} row {row}", f"code {code!r} appears twice"))
        seen.add(compact(str(code or "")))
    return problems


def _select(table: pa.Table) -> str:
    parts = []
    for column in COLUMNS:
        if column not in table.column_names:
            parts.append(f"NULL AS {column}")
        elif column == "subject_code":
            parts.append("upper(regexp_replace(subject_code, '[^0-9A-Za-z]', '', 'g')) AS "
                         "subject_code")  # fmt: skip
        elif column == "former_names" and not pa.types.is_list(table.schema.field(column).type):
            parts.append("list_filter(string_split(CAST(former_names AS VARCHAR), '|'), "
                         "lambda x: trim(x) <> '') AS former_names")  # fmt: skip
        elif column == "birth_date":
            parts.append("TRY_CAST(birth_date AS DATE) AS birth_date")
        else:
            kind = "VARCHAR[]" if column == "former_names" else "VARCHAR"
            parts.append(f"CAST({column} AS {kind}) AS {column}")
    return ", ".join(parts)


def load_registry(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace the workspace registry with a file's subjects; return how many were loaded."""
    ensure_tables(con)
    table = _renamed(read_table(Path(path)))
    problems = _check(table, str(path))
    table = _dated(table, str(path), problems)
    if problems:
        raise RegistryError(f"registry {path} is not loaded", problems)
    con.register("registry_in", table)
    try:
        with transaction(con):
            con.execute("DELETE FROM subject_registry")
            con.execute(f"INSERT INTO subject_registry SELECT {_select(table)} FROM registry_in")
            forget_names(con)  # the registry names subjects first: the names are built again
    finally:
        con.unregister("registry_in")
    return table.num_rows


def registry_size(con: duckdb.DuckDBPyConnection) -> int:
    ensure_tables(con)
    return int(con.execute("SELECT count(*) FROM subject_registry").fetchall()[0][0])


def registry_rows(con: duckdb.DuckDBPyConnection, kinds: list[str]) -> pa.Table:
    """The registry's subjects of the given kinds, every column."""
    return con.sql(
        f"SELECT {', '.join(COLUMNS)} FROM subject_registry "
        "WHERE subject_kind IN (SELECT unnest(?::VARCHAR[])) ORDER BY subject_code",
        params=[kinds],
    ).to_arrow_table()


def registry_entry(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, Any] | None:
    """One subject of the registry as a dict (for the review screen)."""
    cursor = con.execute(f"SELECT {', '.join(COLUMNS)} FROM subject_registry "
                         "WHERE subject_code = ?", [code])  # fmt: skip
    rows = cursor.fetchall()
    return dict(zip(COLUMNS, rows[0], strict=True)) if rows else None
