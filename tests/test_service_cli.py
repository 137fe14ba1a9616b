"""The service's commands: serve builds the app on the given address, appeals are decided and
settled from the command line with an audit entry each."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credence.cli.service_cmd import register
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import copy_city, negative_line, serve

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_serve_runs_the_app_on_the_given_address(
    scored_city: ScoredCity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    seen: dict[str, Any] = {}

    def fake_run(app: Any, host: str, port: int, **kwargs: Any) -> None:
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    args = ["serve", "-w", str(root), "--port", "8123", "--purposes",
            "credit_assessment,licence_review", "--today", "2026-06-30"]  # fmt: skip
    result = runner.invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    with TestClient(seen["app"]) as client:
        assert [p["purpose"] for p in client.get("/purposes").json()] == [
            "credit_assessment", "licence_review"
        ]  # fmt: skip
        schema = client.get("/openapi.json").json()
        assert "/organisations/{code}" in schema["paths"]
    bad = runner.invoke(_cli(), ["serve", "-w", str(root), "--purposes", "marketing"])
    assert bad.exit_code == 2 and "only credit and compliance" in bad.output


def _appeal(root: Path, record_kind: str, day: date) -> tuple[str, str]:
    with serve(root) as served:
        org, record = negative_line(served, "organization", record_kind)
        served.clock.day = day
        filed = served.client.post(
            "/me/appeals", headers=served.key("subject", org),
            json={"record_id": record, "reason": "the fine was annulled"},
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
        return str(filed.json()["appeal_id"]), record


def test_appeals_are_listed_decided_and_settled_from_the_cli(
    scored_city: ScoredCity, tmp_path: Path
) -> None:
    root = copy_city(scored_city, tmp_path / "ws")
    first, first_record = _appeal(root, "l.severity = 'general'", CITY_DAY)
    second, second_record = _appeal(root, "l.severity = 'serious'", CITY_DAY)
    listed = runner.invoke(_cli(), ["appeals", "list", "-w", str(root), "--json"])
    assert {a["appeal_id"] for a in json.loads(listed.output)} == {first, second}
    day = str(CITY_DAY)
    reason = ["--reason", "annulled by the court"]
    decided = runner.invoke(
        _cli(), ["appeals", "decide", first, "--uphold", *reason, "-w", str(root), "--today", day]
    )
    assert decided.exit_code == 0, decided.output
    assert "upheld" in decided.output and "rescored" in decided.output
    twice = runner.invoke(_cli(), ["appeals", "decide", first, "--reject", "--reason", "no",
                                   "-w", str(root), "--today", day])  # fmt: skip
    assert twice.exit_code == 2 and "already upheld" in twice.output
    late = str(CITY_DAY + timedelta(days=25))
    settled = runner.invoke(_cli(), ["appeals", "settle", "-w", str(root), "--today", late])
    assert settled.exit_code == 0 and "1 overdue appeal(s) upheld" in settled.output
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        voided = con.execute(
            "SELECT record_id FROM record_overrides WHERE action = 'void' "
            "AND decided_by <> 'resolver' ORDER BY record_id"  # not the copies resolution voids
        ).fetchall()
        actions = con.execute(
            "SELECT action, actor FROM audit_log WHERE action = 'appeal.decided' ORDER BY seq"
        ).fetchall()
        last_run = con.execute(
            "SELECT as_of FROM score_runs ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert sorted(r for (r,) in voided) == sorted([first_record, second_record])
    assert len(actions) == 2 and all(who.startswith("cli:") for _, who in actions)
    assert last_run == (CITY_DAY + timedelta(days=25),)
    verified = runner.invoke(_cli(), ["audit", "verify", "-w", str(root)])
    assert verified.exit_code == 0
