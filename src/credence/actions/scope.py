"""What every action is handed: who acts (``Actor``), and where (``Scope``).

An action does its transaction, its audit entry and its rescore through the scope, so the same
act is the same whoever runs it. The service is a scope (one writer among many readers, a
cached basis, the service day); ``CatalogScope`` is the one a process holding the catalog alone
uses (the command line): one connection, a given day.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import duckdb

from credence.rights.basis import Basis, current_basis, rescore
from credence.runs.incremental import Subject
from credence.runs.score import ScoreRun
from credence.sql import transaction
from credence.store import Workspace, audit

OPERATOR = "operator"
OPERATIONS = "operations"  # the operator's purpose


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role and for which purpose: what an audit entry says of them."""

    name: str
    role: str
    purpose: str | None


class Scope(Protocol):
    """Where an action runs: its day, its basis, its one writer and transaction, its rescore."""

    def today(self) -> date:
        """The day decisions take effect and deadlines run on."""
        ...

    def basis(self, con: duckdb.DuckDBPyConnection) -> Basis:
        """The ruleset and day of the last scoring run."""
        ...

    def writer(self) -> AbstractContextManager[object]:
        """Hold the one writer across a change and the rescore after it."""
        ...

    def write(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection inside one write transaction: all of it lands, or none."""
        ...

    def rescore(self, subjects: Iterable[Subject] | None = None) -> ScoreRun:
        """Rescore on the scope's day under the current ruleset (only ``subjects`` when given)."""
        ...


class CatalogScope:
    """A scope over one connection of a process that holds the catalog alone."""

    def __init__(self, ws: Workspace, con: duckdb.DuckDBPyConnection, day: date) -> None:
        self.ws = ws
        self.con = con
        self.day = day

    def today(self) -> date:
        return self.day

    def basis(self, con: duckdb.DuckDBPyConnection) -> Basis:
        return current_basis(con, self.day)

    def writer(self) -> AbstractContextManager[object]:
        return nullcontext()  # DuckDB lets no other process write meanwhile

    def write(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return transaction(self.con)

    def rescore(self, subjects: Iterable[Subject] | None = None) -> ScoreRun:
        ruleset = current_basis(self.con, self.day).ruleset
        return rescore(self.ws, ruleset, self.day, subjects, con=self.con)


def record(
    con: duckdb.DuckDBPyConnection,
    by: Actor,
    action: str,
    subject: Subject | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the audit entry of an act inside its write transaction."""
    kind, code = subject if subject is not None else (None, None)
    audit.append(
        con,
        actor=by.name,
        role=by.role,
        action=action,
        purpose=by.purpose,
        subject_kind=kind,
        subject_code=code,
        detail=detail,
    )
