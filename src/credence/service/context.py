"""The service's state, made by ``create_app`` and held on ``app.state``: workspace, connections,
configured purposes, the clock, and the two things every change does (audit, rescore).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, TypeVar

import duckdb

from credence.rights.basis import Basis, current_basis, rescore
from credence.runs.incremental import Subject
from credence.runs.score import ScoreRun
from credence.service.db import Database
from credence.store import Workspace, audit
from credence.store.audit_head import AuditTamperedError, HeadSigner, SignedHead

T = TypeVar("T")
LOG = logging.getLogger("credence.service")
CACHE_SIZE = 50_000


class Service:
    """One workspace served: shared by every request of an app."""

    def __init__(
        self,
        ws: Workspace,
        purposes: tuple[str, ...],
        clock: Callable[[], date],
        signer: HeadSigner | None = None,
    ) -> None:
        self.ws = ws
        self.signer = signer
        self.db = Database(ws)
        self.purposes = purposes
        self._clock = clock
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_generation = -1
        self._cache_lock = threading.Lock()

    def today(self) -> date:
        """The service day: decisions take effect and deadlines run on it."""
        return self._clock()

    def basis(self, con: duckdb.DuckDBPyConnection) -> Basis:
        """The ruleset and day of the last scoring run (kept until the service changes them)."""
        return self.cached(("basis",), lambda: current_basis(con, self.today()))

    def keep(self, key: Hashable, value: object) -> None:
        """Keep what a change has just made known (an in-place rescore names its own run), so
        the next request need not read it again."""
        _, _, generation = self.cache_get(key)
        self.cache_put(key, value, generation)

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A result of the current records and scores, computed once until the next change.

        Results only change through the service (DuckDB lets one process hold the workspace),
        and every change bumps the generation, which empties the cache.
        """
        found, value, generation = self.cache_get(key)
        if found:
            return value  # type: ignore[no-any-return]
        computed = compute()
        self.cache_put(key, computed, generation)
        return computed

    def cache_get(self, key: Hashable) -> tuple[bool, Any, int]:
        """(found, value, generation): cheap enough to call on the event loop."""
        with self._cache_lock:
            if self._cache_generation != self.db.generation:
                self._cache.clear()
                self._cache_generation = self.db.generation
            if key in self._cache:
                self._cache.move_to_end(key)
                return True, self._cache[key], self._cache_generation
            return False, None, self._cache_generation

    def cache_put(self, key: Hashable, value: Any, generation: int) -> None:
        """Keep a value computed in ``generation``, unless a change came in the meantime."""
        with self._cache_lock:
            if self._cache_generation == generation == self.db.generation:
                self._cache[key] = value
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)

    # What an action (credence.actions) is handed: the service is its scope.

    def writer(self) -> AbstractContextManager[object]:
        """Hold the one writer across a change and the rescore after it."""
        return self.db.write_lock

    def write(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """One writer at a time, inside one transaction."""
        return self.db.write()

    def read(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection for this request alone, with an up-to-date ``records`` view."""
        return self.db.read()

    def changed(self, names: bool = True, view: bool = True) -> None:
        """Records or results changed (see ``Database.changed``)."""
        self.db.changed(names=names, view=view)

    def rescore(self, subjects: Iterable[Subject] | None = None) -> ScoreRun:
        """Rescore at the service day under the current ruleset (only ``subjects`` when given);
        readers see it at once."""
        with self.db.write_lock:
            with self.db.read() as con:
                ruleset = self.basis(con).ruleset
                run = rescore(self.ws, ruleset, self.today(), subjects, con=con)
            self.db.changed()
        return run

    def record(
        self,
        con: duckdb.DuckDBPyConnection,
        actor: str,
        role: str,
        action: str,
        purpose: str | None = None,
        subject: tuple[str, str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry inside the caller's write transaction."""
        kind, code = subject if subject is not None else (None, None)
        audit.append(
            con,
            actor=actor,
            role=role,
            action=action,
            purpose=purpose,
            subject_kind=kind,
            subject_code=code,
            detail=detail,
        )

    def log(
        self,
        actor: str,
        role: str,
        action: str,
        purpose: str | None = None,
        subject: tuple[str, str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry on its own (a read of a person's data)."""
        with self.db.write() as con:
            self.record(con, actor, role, action, purpose, subject, detail)

    def checkpoint(self) -> SignedHead | None:
        """Sign the audit head if it moved since the last signed one (with a signing key).

        A log that no longer holds is not signed over: the refusal is logged, and the last good
        head stays published, so an auditor's verify shows where it broke."""
        if self.signer is None:
            return None
        try:
            with self.db.write() as con:
                return self.signer.checkpoint(con)
        except AuditTamperedError as error:
            LOG.error("%s", error)
            return None

    def close(self) -> None:
        self.db.close()
