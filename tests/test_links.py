"""Links fill the subject of code-less rows in the records view, reversibly and known-at aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from credence.actions.demo import run_demo
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


def test_a_subjects_links_are_the_active_links_to_it(tmp_path: Path) -> None:
    """The online path's reading (a subject's links only, through the indexes) gives exactly
    the records whose active link is to the subject, over histories of relinks and undos."""
    import random

    from credence.store.links import ACTIVE_LINKS, SUBJECT_LINKS

    con = Workspace.init(tmp_path / "ws").connect()
    try:
        rng = random.Random(8)
        subjects = [(rng.choice(["person", "organization"]), f"C{n:02d}") for n in range(6)]
        subjects.append(("organization", "C00"))  # one code under both kinds
        now = datetime.now(UTC)
        rows = []
        for record in range(150):
            for step in range(rng.randint(1, 4)):
                kind, code = rng.choice(subjects)
                decided = now.replace(microsecond=0) - timedelta(days=10 - step, hours=record % 5)
                undone = decided + timedelta(days=1) if rng.random() < 0.3 else None
                rows.append((f"r{record}", kind, code, 0.99, "splink", None, "t", decided, undone,
                             "wrong" if undone else None))  # fmt: skip
        con.executemany("INSERT INTO record_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        indexes = {name for (name,) in con.execute(
            "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'record_links'"
        ).fetchall()}  # fmt: skip
        assert indexes == {"record_links_by_code", "record_links_by_record"}
        linked_somewhere = 0
        for kind, code in sorted(set(subjects)):
            expected = sorted(r for (r,) in con.execute(
                f"SELECT record_id FROM ({ACTIVE_LINKS.format(when='now()')}) "
                "WHERE subject_kind = ? AND subject_code = ?", [kind, code],
            ).fetchall())  # fmt: skip
            found = sorted(r for (r,) in con.execute(
                SUBJECT_LINKS.format(when="now()"), {"kind": kind, "code": code}
            ).fetchall())  # fmt: skip
            assert found == expected, (kind, code)
            linked_somewhere += len(found)
        assert 0 < linked_somewhere < 150  # some records' links were all undone
    finally:
        con.close()
