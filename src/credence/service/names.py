"""Subjects' display names for the service: the table and its upkeep live in
``credence.store.names`` (one recipe for every reader); the service reaches them from here."""

from __future__ import annotations

from credence.store.names import (
    NAMES_DDL,
    advance_names,
    ensure_tables,
    name_of,
    names_current,
    names_of,
    refresh_names,
    update_names,
)

__all__ = [
    "NAMES_DDL",
    "advance_names",
    "ensure_tables",
    "name_of",
    "names_current",
    "names_of",
    "refresh_names",
    "update_names",
]
