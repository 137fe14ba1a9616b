"""Links fill the subject of code-less rows in the records view, reversibly and known-at aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from credence.demo import run_demo
from credence.errors import CredenceError
from credence.store import Workspace
from credence.store.links import add_link, undo_link


def test_a_link_resolves_a_row_and_undoing_it_takes_it_back(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    run_demo(root, people=400, organizations=60, seed=3, as_of=date(2026, 6, 30), resolve=False)
    ws = Workspace.open(root)
    con = ws.connect()
    try:
        unresolved = con.execute(
            "SELECT record_id, subject_kind FROM records WHERE subject_code IS NULL LIMIT 1"
        ).fetchone()
        assert unresolved is not None, "the city should carry rows without a code"
        record_id, kind = unresolved
        (code,) = con.execute(
            "SELECT subject_code FROM subjects WHERE subject_kind = ? LIMIT 1", [kind]
        ).fetchone() or ("",)
        total = con.execute("SELECT COUNT(*) FROM records").fetchall()
        before_link = datetime.now(UTC)
        add_link(con, record_id, kind, code, 0.999, "splink", "resolver")
        ws.refresh_records_view(con)
        assert con.execute("SELECT COUNT(*) FROM records").fetchall() == total
        linked = con.execute(
            "SELECT subject_code FROM records WHERE record_id = ?", [record_id]
        ).fetchone()
        assert linked == (code,)
        # what was known before the link still shows the row unresolved
        ws.refresh_records_view(con, known_at=before_link)
        assert con.execute(
            "SELECT subject_code FROM records WHERE record_id = ?", [record_id]
        ).fetchone() == (None,)
        ws.refresh_records_view(con)
        assert undo_link(con, record_id, "wrong person") == 1
        ws.refresh_records_view(con)
        assert con.execute(
            "SELECT subject_code FROM records WHERE record_id = ?", [record_id]
        ).fetchone() == (None,)
        with pytest.raises(CredenceError, match="between 0 and 1"):
            add_link(con, record_id, kind, code, 1.5, "splink", "resolver")
        coded = con.execute(
            "SELECT record_id FROM records WHERE subject_code IS NOT NULL AND subject_code <> ? "
            "LIMIT 1",
            [code],
        ).fetchone()
        assert coded is not None
        with pytest.raises(CredenceError, match="already carries a code"):
            add_link(con, coded[0], kind, code, 0.99, "splink", "resolver")
    finally:
        con.close()
