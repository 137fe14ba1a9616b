"""Quoting for the SQL the ingest builds: identifiers and lists here, string literals in
``credence.sql.lit``; every name and value spliced into the ingest's SQL goes through them."""

from __future__ import annotations

from collections.abc import Iterable

from credence.sql import lit


def ident(name: str) -> str:
    """A DuckDB identifier, quoted so any column name (spaces, quotes, keywords) is safe."""
    return '"' + name.replace('"', '""') + '"'


def sql_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join(lit(v) for v in values) + "]"
