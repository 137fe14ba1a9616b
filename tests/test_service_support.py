"""What the service tests share: a served copy of the scored city, keys, and a movable clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from credence.service import create_app
from credence.service.db import ensure_service_tables
from credence.service.keys import create_key
from credence.store import Workspace
from tests.conftest import CITY_DAY, ScoredCity
from tests.results_sql import at_run


@dataclass
class Clock:
    """The service day, moved by a test to pass a deadline or a repair's waiting period."""

    day: date = CITY_DAY

    def __call__(self) -> date:
        return self.day


@dataclass
class Served:
    root: Path
    client: TestClient
    clock: Clock
    keys: dict[str, str] = field(default_factory=dict)

    def key(self, role: str, subject: str | None = None, **kwargs: Any) -> dict[str, str]:
        """Headers with a new key of ``role`` (made through the app's own connections)."""
        service = self.client.app.state.service  # type: ignore[attr-defined]
        with service.db.write() as con:
            secret = create_key(con, role, subject, **kwargs).secret
        return {"X-API-Key": secret}

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        service = self.client.app.state.service  # type: ignore[attr-defined]
        with service.db.read() as con:
            return con.execute(at_run(con, sql), params or []).fetchall()

    def one(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.query(sql, params)
        assert rows, f"no row for {sql}"
        return rows[0][0]


def copy_city(city: ScoredCity, target: Path) -> Path:
    """A private copy of the scored city's workspace (its source files left behind)."""
    shutil.copytree(city.root, target, ignore=shutil.ignore_patterns("sources"))
    con = Workspace.open(target).connect()
    try:
        ensure_service_tables(con)
    finally:
        con.close()
    return target


@contextmanager
def serve(root: Path, clock: Clock | None = None, **kwargs: Any) -> Iterator[Served]:
    """The app over ``root`` with a TestClient (lifespan run, connections closed after)."""
    day = clock or Clock()
    app = create_app(root, today=day, **kwargs)
    with TestClient(app) as client:
        yield Served(root, client, day)


def negative_line(served: Served, kind: str, where: str = "true") -> tuple[str, str]:
    """(subject code, record id) of a counted negative line of a scored subject of ``kind``."""
    rows = served.query(
        "SELECT l.subject_code, l.record_id FROM score_lines l JOIN scores s "
        "USING (subject_kind, subject_code) WHERE l.subject_kind = ? AND l.points < 0 "
        f"AND l.counted AND s.scored AND {where} ORDER BY l.subject_code, l.record_id LIMIT 1",
        [kind],
    )
    assert rows, f"the city has no {kind} with such a line"
    return str(rows[0][0]), str(rows[0][1])
