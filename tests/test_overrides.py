"""Decisions on records in a workspace: voiding revokes a listing and rescoring follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from credence.actions.demo import run_demo
from credence.errors import CredenceError
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs.score import reproduce_run, score_workspace
from credence.runs.subject_file import subject_file
from credence.store import Workspace
from credence.store.overrides import add_override
from tests.results_sql import at_run

DAY = date(2026, 6, 30)


def test_voiding_and_repairing_records_rescore_and_explain(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    run_demo(root, people=400, organizations=60, seed=9, as_of=DAY)
    ws = Workspace.open(root)
    ruleset = load_ruleset(default_ruleset_path())
    first = score_workspace(ws, ruleset, DAY)
    con = ws.connect()
    try:
        row = con.execute(
            at_run(con, "SELECT l.subject_code, l.record_id, s.score FROM listings l JOIN scores s "
            "USING (subject_kind, subject_code) WHERE l.list_name = 'black' "
            "AND l.state = 'published' AND l.subject_kind = 'organization' LIMIT 1")
        ).fetchone()
        assert row is not None
        code, record_id, score_before = row
        add_override(con, record_id, "void", "appeal upheld", "operator-1", reference="A-1")
        with pytest.raises(CredenceError, match="needs the day"):
            add_override(con, record_id, "repair", "remedied", "operator-1")
    finally:
        con.close()
    score_workspace(ws, ruleset, DAY)
    con = ws.connect()
    try:
        state = con.execute(
            at_run(con, "SELECT state FROM listings WHERE record_id = ?"), [record_id]
        ).fetchone()
        assert state == ("revoked",)
        (score_after,) = con.execute(
            at_run(con, "SELECT score FROM scores WHERE subject_code = ?"), [code]
        ).fetchone() or (None,)
        assert score_after is not None and score_after > score_before
        found = subject_file(con, code, ruleset, DAY)
        assert record_id not in {line.record_id for line in found.explanation.lines}
        assert found.explanation.score == score_after
        assert [li.state for li in found.explanation.listings if li.record_id == record_id] == [
            "revoked"
        ]
    finally:
        con.close()
    # the run before the decision is still reproduced exactly: decisions are known-at too
    original, again = reproduce_run(ws, first.run_id)
    assert original["results_digest"] == again.results_digest
