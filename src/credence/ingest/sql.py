"""Quoting for the SQL the ingest builds: identifiers and literals always go through here."""

from __future__ import annotations

from collections.abc import Iterable


def ident(name: str) -> str:
    """A DuckDB identifier, quoted so any column name (spaces, quotes, keywords) is safe."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A DuckDB string literal (standard SQL: quotes doubled, backslashes plain)."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join(lit(v) for v in values) + "]"
