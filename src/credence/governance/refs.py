"""Which ruleset and which day a governance command works on, read from the catalog read-only.

A reference is what ``credence score --ruleset`` takes: a YAML path, ``NAME@VERSION``, a published
version or a hash prefix; none means the packaged default ruleset.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb

from credence.errors import WorkspaceError
from credence.governance.sandbox import Sandbox
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.rules.spec import Ruleset
from credence.runs import results
from credence.store import Workspace
from credence.store.rulesets import resolve_ruleset


@contextmanager
def read_catalog(ws: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the catalog: governance never writes to it.

    A catalog that is locked by a writer, or older than this version (it is migrated the next
    time it is opened for writing), is reported as a workspace error rather than a crash.
    """
    try:
        con = duckdb.connect(str(ws.catalog_path), read_only=True)
    except duckdb.Error as error:
        raise WorkspaceError(f"cannot read the catalog of {ws.root}: {error}") from error
    try:
        yield con
    except duckdb.Error as error:
        raise WorkspaceError(f"cannot read the workspace {ws.root}: {error}") from error
    finally:
        con.close()


def resolve_ref(con: duckdb.DuckDBPyConnection, ref: str | None) -> Ruleset:
    """The ruleset a reference names; None means the packaged default ruleset."""
    if ref is None:
        return load_ruleset(default_ruleset_path())
    return resolve_ruleset(con, ref)


def default_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The day of the workspace's current scoring run (else today): what people see now."""
    found = results.current(con)
    return found.as_of if found is not None else date.today()


def open_sandbox(
    ws: Workspace, refs: list[str | None], as_of: date | None
) -> tuple[Sandbox, list[Ruleset], date]:
    """Resolve the rulesets and the day, and open a sandbox over the workspace, in one read."""
    with read_catalog(ws) as con:
        rulesets = [resolve_ref(con, ref) for ref in refs]
        day = as_of or default_as_of(con)
        return Sandbox.for_workspace(ws, con), rulesets, day
