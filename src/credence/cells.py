"""Cells of every CSV Credence writes, made safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection: ``=HYPERLINK(...)`` in a firm's
name from one source row would become a link in an inspector's list). Such a cell is written with
a leading apostrophe, as OWASP advises, so the spreadsheet shows it as text. Numbers are numbers
and are left alone; only text is touched, and the same rule is said three ways here (Python
values, Arrow columns, DuckDB queries) for the three ways CSV is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^[=+\-@\t\r]"


def neutral(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would run is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> str:
    """Rows as CSV text with a header, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: neutral(value) for key, value in row.items()})
    return buffer.getvalue()


def neutral_table(table: pa.Table) -> pa.Table:
    """An Arrow table whose text columns are neutralised (for ``pyarrow.csv.write_csv``)."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, _PATTERN)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def neutral_query(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """``query`` with every VARCHAR column neutralised, for DuckDB's ``COPY ... (FORMAT csv)``."""
    described = con.execute(f"DESCRIBE ({query})").fetchall()
    replaced = [
        f"CASE WHEN regexp_matches({_ident(name)}, '{_PATTERN}') "
        f"THEN '''' || {_ident(name)} ELSE {_ident(name)} END AS {_ident(name)}"
        for name, kind, *_ in described
        if str(kind) == "VARCHAR"
    ]
    if not replaced:
        return query
    return f"SELECT * REPLACE ({', '.join(replaced)}) FROM ({query})"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'
