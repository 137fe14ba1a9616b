"""Published ruleset versions, scoring by version, and reproducing a past run exactly."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from credence.actions.demo import run_demo
from credence.cli.app import app
from credence.rules.loader import default_ruleset_path
from credence.store import Workspace
from tests.results_sql import at_run

runner = CliRunner()
LATE_COURT_MAPPING = """
source: late-court
level: city
stream: judicial
category: court_judgment
consent_required: false
subject_kind: organization
fields:
  record_key: case
  subject_code: uscc
  kind: {value: court.judgment.unfulfilled}
  occurred_at: day
attributes: {fulfilled: fulfilled}
kinds: [court.judgment.unfulfilled]
"""
DAY = "2026-06-30"


@pytest.fixture(scope="module")
def built_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("versions") / "ws"
    run_demo(root, people=300, organizations=40, seed=5, as_of=date(2026, 6, 30))
    return root


@pytest.fixture()
def city(built_city: Path, tmp_path: Path) -> Path:
    """A private copy of the module's city: each test publishes and scores on its own."""
    return Path(shutil.copytree(built_city, tmp_path / "ws"))


def _variant(tmp_path: Path, version: str, bump: int = 0) -> Path:
    doc = yaml.safe_load(default_ruleset_path().read_text(encoding="utf-8"))
    doc["version"] = version
    if bump:
        doc["ratings"][0]["requirements"][0]["points"] -= bump
    path = tmp_path / f"ruleset-{version}-{bump}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_publish_is_idempotent_and_a_published_version_never_changes(
    city: Path, tmp_path: Path
) -> None:
    first = _variant(tmp_path, "9.1")
    result = runner.invoke(app, ["rules", "publish", str(first), "-w", str(city)])
    assert result.exit_code == 0, result.output
    assert "@9.1 published" in result.output
    again = runner.invoke(app, ["rules", "publish", str(first), "-w", str(city)])
    assert again.exit_code == 0 and "already published" in again.output
    changed = _variant(tmp_path, "9.1", bump=7)
    refused = runner.invoke(app, ["rules", "publish", str(changed), "-w", str(city)])
    assert refused.exit_code == 2
    assert "new version" in refused.output
    listed = runner.invoke(app, ["rules", "versions", "--format", "json", "-w", str(city)])
    versions = json.loads(listed.output)
    assert [v["version"] for v in versions] == ["9.1"]


def test_score_by_version_records_it_and_hash_prefixes_resolve(city: Path, tmp_path: Path) -> None:
    path = _variant(tmp_path, "9.2", bump=40)
    runner.invoke(app, ["rules", "publish", str(path), "-w", str(city)])
    name = yaml.safe_load(path.read_text(encoding="utf-8"))["ruleset"]
    out = runner.invoke(
        app,
        ["score", "--as-of", DAY, "--ruleset", f"{name}@9.2", "--format", "json", "-w", str(city)],
    )
    assert out.exit_code == 0, out.output
    run = json.loads(out.output)
    assert run["version"] == "9.2"
    by_hash = runner.invoke(
        app,
        ["score", "--as-of", DAY, "--ruleset", run["ruleset_hash"][:10], "--format", "json",
         "-w", str(city)],
    )  # fmt: skip
    assert json.loads(by_hash.output)["results_digest"] == run["results_digest"]
    ws = Workspace.open(city)
    con = ws.connect()
    try:
        assert con.execute(at_run(con, "SELECT DISTINCT version FROM scores")).fetchall() == [
            ("9.2",)
        ]
    finally:
        con.close()
    unknown = runner.invoke(app, ["score", "--ruleset", "nope@0", "-w", str(city)])
    assert unknown.exit_code == 2 and "no ruleset" in unknown.output


def test_a_past_run_is_reproduced_exactly_after_new_records_arrive(
    city: Path, tmp_path: Path
) -> None:
    first = runner.invoke(app, ["score", "--as-of", DAY, "--format", "json", "-w", str(city)])
    run = json.loads(first.output)
    # a new batch arrives with a judgment dated before the run's day: a plain rescore changes ...
    con = Workspace.open(city).connect()
    try:
        (code,) = con.execute(
            at_run(
                con, "SELECT subject_code FROM scores WHERE subject_kind = 'organization' LIMIT 1"
            )
        ).fetchone() or ("",)
    finally:
        con.close()
    late = tmp_path / "late-court.csv"
    late.write_text(f"case,uscc,day,fulfilled\nLATE-1,{code},2026-05-02,false\n", encoding="utf-8")
    mapping = tmp_path / "late-court.yaml"
    mapping.write_text(LATE_COURT_MAPPING, encoding="utf-8")
    ingested = runner.invoke(app, ["ingest", str(late), "--source", "late-court", "-w", str(city)])
    assert ingested.exit_code == 0, ingested.output
    rescored = runner.invoke(app, ["score", "--as-of", DAY, "--format", "json", "-w", str(city)])
    assert json.loads(rescored.output)["results_digest"] != run["results_digest"]
    # ... but reproducing the first run sees the workspace as it was then
    again = runner.invoke(app, ["score", "--reproduce", run["run_id"], "-w", str(city)])
    assert again.exit_code == 0, again.output
    assert f"identical to run {run['run_id']}" in again.output
    runs = json.loads(runner.invoke(app, ["runs", "--format", "json", "-w", str(city)]).output)
    assert len(runs) >= 4 and runs[0]["run_id"] != runs[-1]["run_id"]
