"""The sandbox scorer under governance, and the hand-built workspaces its tests share."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer
import yaml

from credence.cli.governance_cmd import register_rules
from credence.governance.refs import open_sandbox
from credence.governance.sandbox import Sandbox
from credence.model import RECORD_SCHEMA
from credence.rules.loader import load_ruleset
from credence.runs.score import score_workspace
from credence.sql import dict_rows
from credence.store import Workspace
from tests.results_sql import at_run

DAY = date(2026, 6, 30)
BASE = Path(__file__).parent / "fixtures" / "governance" / "base.yaml"


def record(
    code: str,
    rid: str,
    kind: str,
    days_ago: int,
    district: str | None = None,
    subject_kind: str = "organization",
    **extra: Any,
) -> dict[str, Any]:
    """One canonical record of a hand-built workspace."""
    hints = json.dumps({"district": district}) if district else None
    base = {
        "record_id": rid, "source": "test-bureau", "level": "city", "stream": "administrative",
        "category": "admin_penalty", "subject_kind": subject_kind, "subject_code": code,
        "hints": hints, "kind": kind, "occurred_at": DAY - timedelta(days=days_ago),
        "amount": None, "attributes": None, "batch_id": "b1", "row_number": 1,
        "ingested_at": None, "consent_ref": None,
    }  # fmt: skip
    return {**base, **extra}


def build_workspace(root: Path, records: list[dict[str, Any]]) -> Workspace:
    """A workspace whose one committed batch holds exactly ``records``."""
    ws = Workspace.init(root)
    folder = ws.batch_dir("b1")
    folder.mkdir(parents=True)
    rows = [
        {**r, "row_number": i + 1, "ingested_at": datetime(2026, 7, 1, tzinfo=UTC)}
        for i, r in enumerate(records)
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=RECORD_SCHEMA), folder / "part-0.parquet")
    con = ws.connect()
    try:
        con.execute(
            "INSERT INTO batches VALUES "
            "('b1', 'test-bureau', 'test.csv', '', ?, ?, ?, 0, 0, now())",
            [folder.relative_to(ws.root).as_posix(), len(rows), len(rows)],
        )
    finally:
        con.close()
    return ws


def variant(folder: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the base fixture ruleset, changed by ``edit``, written as ``name``.yaml."""
    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    edit(data)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    load_ruleset(path)  # every variant must itself be a valid ruleset
    return path


def requirement(data: dict[str, Any], requirement_id: str) -> dict[str, Any]:
    found = [r for rating in data["ratings"] for r in rating["requirements"]]
    return next(r for r in found if r["id"] == requirement_id)


def governance_app() -> typer.Typer:
    """The ``rules`` commands of this module, on an app of their own."""
    app = typer.Typer()
    register_rules(app)
    return app


def _small(tmp_path: Path) -> Workspace:
    return build_workspace(
        tmp_path / "ws",
        [
            record("ORG1", "r1", "tax.filing.late", 30, district="donghu"),
            record("ORG1", "r2", "market.penalty.fine", 20, district="xishan"),
            record("ORG2", "r3", "env.credit.green", 10, district="donghu"),
            record("ORG2", "r4", "tax.filing.late", 400),
            record("ORG3", "r5", "market.penalty.warning", 5),
        ],
    )


def test_sandbox_scores_like_a_scoring_run_without_touching_the_catalog(tmp_path: Path) -> None:
    ws = _small(tmp_path)
    ruleset = load_ruleset(BASE)
    sandbox, _, _ = open_sandbox(ws, [str(BASE)], DAY)
    with sandbox:
        run = sandbox.score(ruleset, DAY, "what_if")
        sandboxed = dict_rows(
            sandbox.con.execute(
                f"SELECT subject_code, score, grade FROM {run.table('scores')} ORDER BY 1"
            )
        )
        on_list = sandbox.con.execute(f"SELECT COUNT(*) FROM {run.table('on_list')}").fetchone()
    con = ws.connect()
    try:
        tables = {t for (t,) in con.execute("SHOW TABLES").fetchall()}
        assert "scores" not in tables  # the sandbox wrote nothing into the workspace
        assert con.execute("SELECT COUNT(*) FROM score_runs").fetchone() == (0,)
    finally:
        con.close()
    assert sandboxed == [
        {"subject_code": "ORG1", "score": 1000 - 6 - 25, "grade": "3"},
        {"subject_code": "ORG2", "score": 1010, "grade": "1"},
        {"subject_code": "ORG3", "score": 990, "grade": "2"},
    ]
    assert on_list == (1,)  # ORG2: top grade and no negative record in its clean year
    score_workspace(ws, ruleset, DAY)
    con = ws.connect()
    try:
        scored = dict_rows(
            con.execute(at_run(con, "SELECT subject_code, score, grade FROM scores ORDER BY 1"))
        )
    finally:
        con.close()
    assert scored == sandboxed


def test_district_is_the_latest_hint_and_unknown_without_one(tmp_path: Path) -> None:
    ws = _small(tmp_path)
    with read_only_sandbox(ws) as sandbox:
        rows = sandbox.con.execute(
            f"SELECT subject_code, district FROM {sandbox.districts()} ORDER BY 1"
        ).fetchall()
    assert rows == [("ORG1", "xishan"), ("ORG2", "donghu"), ("ORG3", "unknown")]


def test_upheld_appeals_in_the_catalog_count_in_the_sandbox(tmp_path: Path) -> None:
    ws = _small(tmp_path)
    con = ws.connect()
    try:
        con.execute("INSERT INTO record_overrides (record_id, action) VALUES ('r2', 'void')")
    finally:
        con.close()
    with read_only_sandbox(ws) as sandbox:
        run = sandbox.score(load_ruleset(BASE), DAY, "appealed")
        row = sandbox.con.execute(
            f"SELECT score FROM {run.table('scores')} WHERE subject_code = 'ORG1'"
        ).fetchone()
    assert row == (1000 - 6,)  # the voided fine no longer counts


def read_only_sandbox(ws: Workspace) -> Sandbox:
    sandbox, _, _ = open_sandbox(ws, [], DAY)
    return sandbox
